import { base64url, fromBase64url, randomToken, sha256Hex } from "../../kernel/crypto";
import type { Deps } from "../../kernel/deps";
import { normalizeEmail } from "../../kernel/email";
import { findUserByEmail, findUserById, replacePasswordEndingSessions } from "../account/store";
import { hashPassword } from "../passwords/hashing";
import { assertPasswordRules } from "../passwords/policy";
import { resetPasswordMail } from "./mail";
import { resetLinkInvalid } from "./messages";
import { deleteResetLink, findNewestResetLink, saveDecoyLink, saveResetLink } from "./store";

// A turn of the event loop is not enough: the runtime may still be delivering the answer.
const afterResponse = () => new Promise<void>((resolve) => setTimeout(resolve, 25));

/** Django's urlsafe_base64_encode(force_bytes(pk)), so links keep the Django shape. */
const encodeUid = (id: number) => base64url(new TextEncoder().encode(String(id)));

function decodeUid(uid: string): number | null {
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
  // Before anything is stored, and for known and unknown addresses alike.
  const mailer = d.mailer();
  const user = await findUserByEmail(d.db, normalizeEmail(email));
  const nonce = randomToken(32);
  const hash = sha256Hex(nonce);
  const ttl = d.config.PASSWORD_RESET_TIMEOUT;
  if (!user || !user.isActive) {
    const ref = d.log.emailRef(email);
    await saveDecoyLink(d.kv, hash, ref, ttl);
    d.log.event("reset_requested", { email: ref, known: false });
    return;
  }
  await saveResetLink(d.kv, hash, { u: user.id, v: user.passwordVersion }, ttl);
  const link = `${linkBase}/${encodeUid(user.id)}/${nonce}/`;
  d.log.event("reset_requested", { user_id: user.id, known: true });
  // Even composing and starting the send waits for the next turn of the event loop, after
  // the answer has left: a registered address must not answer any later than an unknown one.
  d.defer(
    afterResponse()
      .then(() => mailer.send(resetPasswordMail(user.email, user.name, link, Math.round(ttl / 60))))
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
  if (id === null || !/^[A-Za-z0-9_-]{43}$/.test(token)) throw resetLinkInvalid();
  const hash = sha256Hex(token);
  const record = await findNewestResetLink(d.kv, hash, id);
  if (!record) throw resetLinkInvalid();
  const user = await findUserById(d.db, id);
  if (!user || !user.isActive || user.passwordVersion !== record.v) throw resetLinkInvalid();
  return { user, hash, version: record.v };
}

/**
 * Sets the new password and revokes every session of the user, in one batch. The update
 * is conditional on the version the link was issued for, so a link works once even where
 * the KV delete has not propagated yet, and a password change in between kills it.
 */
export async function confirmReset(d: Deps, uid: string, token: string, password: string): Promise<void> {
  const { user, hash, version } = await checkResetLink(d, uid, token);
  await assertPasswordRules(d, password, user);
  const hashed = await hashPassword(password, d.config);
  const won = await replacePasswordEndingSessions(d.db, { userId: user.id, expectedVersion: version, hash: hashed, now: new Date(), reason: "password_reset" });
  if (!won) throw resetLinkInvalid();
  await deleteResetLink(d.kv, hash, user.id);
  d.log.event("password_reset", { user_id: user.id });
}
