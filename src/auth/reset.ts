import type { Deps } from "../deps";
import { revokeUserSessionsStatement } from "../db/sessions";
import { findUserByEmail, findUserById, replacePassword } from "../db/users";
import { resetPasswordMail } from "../mail/templates";
import { assertPasswordRules } from "./accounts";
import { base64url, fromBase64url, randomToken, sha256Hex } from "./crypto";
import { normalizeEmail } from "./email";
import { DomainError } from "./errors";
import { hashPassword } from "./passwords";

/**
 * KV layout: `reset:<sha256(nonce)>` → {u: user id, v: password version at issue}, and
 * `reset-user:<id>` → the hash of the user's newest link, so a newer request retires older
 * links. Both expire after PASSWORD_RESET_TIMEOUT. The nonce itself lives only in the mail.
 */
const nonceKey = (hash: string) => `reset:${hash}`;
const userKey = (id: number) => `reset-user:${id}`;
/**
 * Written for unknown addresses, so both answers wait on the same two KV writes: one under
 * a fresh key (as a nonce is), one under a key fixed per address (as `reset-user:<id>` is,
 * overwritten when the same address asks again).
 */
const decoyNonceKey = (hash: string) => `reset-decoy:${hash}`;
const decoyAddressKey = (ref: string) => `reset-decoy-address:${ref}`;

// A turn of the event loop is not enough: the runtime may still be delivering the answer.
const afterResponse = () => new Promise<void>((resolve) => setTimeout(resolve, 25));

interface NonceRecord {
  u: number;
  v: number;
}

/** Django's urlsafe_base64_encode(force_bytes(pk)), so links keep the Django shape. */
export const encodeUid = (id: number) => base64url(new TextEncoder().encode(String(id)));

export function decodeUid(uid: string): number | null {
  const bytes = fromBase64url(uid);
  if (!bytes) return null;
  const text = new TextDecoder().decode(bytes);
  return /^[1-9]\d{0,15}$/.test(text) ? Number(text) : null;
}

/**
 * Sends a reset link to an active account; for any other address does the same shape of
 * work (one D1 read, two KV writes, nothing awaited after them) and sends nothing, so
 * neither the answer nor its timing tells the two apart. The mail goes out after the answer.
 */
export async function requestReset(d: Deps, email: string, linkBase: string): Promise<void> {
  const user = await findUserByEmail(d.db, normalizeEmail(email));
  const nonce = randomToken(32);
  const hash = sha256Hex(nonce);
  if (!user || !user.isActive) {
    // Values of the same shape and size as a real link's, so storing them costs the same.
    const ttl = { expirationTtl: d.config.PASSWORD_RESET_TIMEOUT };
    const decoy: NonceRecord = { u: 0, v: 0 };
    const ref = d.log.emailRef(email);
    await Promise.all([d.kv.put(decoyNonceKey(hash), JSON.stringify(decoy), ttl), d.kv.put(decoyAddressKey(ref), hash, ttl)]);
    d.log.event("reset_requested", { email: ref, known: false });
    return;
  }
  const ttl = { expirationTtl: d.config.PASSWORD_RESET_TIMEOUT };
  const record: NonceRecord = { u: user.id, v: user.passwordVersion };
  await Promise.all([d.kv.put(nonceKey(hash), JSON.stringify(record), ttl), d.kv.put(userKey(user.id), hash, ttl)]);
  const link = `${linkBase}/${encodeUid(user.id)}/${nonce}/`;
  d.log.event("reset_requested", { user_id: user.id, known: true });
  // Even composing and starting the send waits for the next turn of the event loop, after
  // the answer has left: a registered address must not answer any later than an unknown one.
  d.defer(
    afterResponse()
      .then(() => d.mailer.send(resetPasswordMail(user.email, user.name, link, Math.round(d.config.PASSWORD_RESET_TIMEOUT / 60))))
      .then(
      () => d.log.event("mail_sent", { user_id: user.id, kind: "password_reset" }),
      (err: unknown) => d.log.event("mail_failed", { user_id: user.id, kind: "password_reset", reason: String((err as Error)?.message ?? err) }),
    ),
  );
}

/**
 * The account a link is for, if the link is live: known nonce, matching uid, the newest
 * link of that user, and issued for the password the user still has.
 */
export async function checkResetLink(d: Deps, uid: string, token: string) {
  const id = decodeUid(uid);
  if (id === null || !/^[A-Za-z0-9_-]{43}$/.test(token)) throw new DomainError("reset_link_invalid");
  const hash = sha256Hex(token);
  const [raw, newest] = await Promise.all([d.kv.get(nonceKey(hash)), d.kv.get(userKey(id))]);
  const record = raw ? (JSON.parse(raw) as NonceRecord) : null;
  if (!record || record.u !== id || newest !== hash) throw new DomainError("reset_link_invalid");
  const user = await findUserById(d.db, id);
  if (!user || !user.isActive || user.passwordVersion !== record.v) throw new DomainError("reset_link_invalid");
  return { user, hash, version: record.v };
}

/**
 * Sets the new password. The D1 update is conditional on the version the link was issued
 * for, so a link works once even where the KV delete has not propagated yet, and a
 * password change in between kills it. Every session of the user is revoked.
 */
export async function confirmReset(d: Deps, uid: string, token: string, password: string): Promise<void> {
  const { user, hash, version } = await checkResetLink(d, uid, token);
  await assertPasswordRules(d, password, user);
  const now = new Date();
  const changed = await replacePassword(d.db, user.id, version, await hashPassword(password, d.config.BCRYPT_COST), now);
  if (!changed) throw new DomainError("reset_link_invalid");
  await revokeUserSessionsStatement(d.db, user.id, "password_reset", now);
  await Promise.all([d.kv.delete(nonceKey(hash)), d.kv.delete(userKey(user.id))]);
  d.log.event("password_reset", { user_id: user.id });
}
