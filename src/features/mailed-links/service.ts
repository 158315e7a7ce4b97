import { base64url, fromBase64url, randomHex, randomToken, sha256Hex } from "../../kernel/crypto";
import type { Deps } from "../../kernel/deps";
import type { Mail } from "../../kernel/mail";
import type { BatchItem } from "drizzle-orm/batch";
import type { MailPurpose, MailToken } from "./schema";
import { findMailToken, issuedForCurrent, saveDecoyToken, saveMailToken, spendWith } from "./store";

/**
 * The mailed-token core: every link a mail carries (verification, e-mail change, password
 * reset) is a random 32-byte token, stored only as its SHA-256 in D1 (mail_tokens) with its
 * own lifetime, bound to the address the account had when it was sent, single use through
 * one conditional D1 write, and killed by a newer link of the same purpose.
 */

/** Django's urlsafe_base64_encode(force_bytes(pk)), so links keep the Django shape. */
export const encodeUid = (id: number) => base64url(new TextEncoder().encode(String(id)));

export function decodeUid(uid: string): number | null {
  const bytes = fromBase64url(uid);
  if (!bytes) return null;
  const text = new TextDecoder().decode(bytes);
  if (!/^[1-9]\d{0,15}$/.test(text)) return null;
  // One spelling per id: atob ignores the unused bits of a last character ("NjA" and "NjB"
  // both decode to "60"), so a uid counts only in its canonical form.
  return encodeUid(Number(text)) === uid ? Number(text) : null;
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export interface IssueLink {
  purpose: MailPurpose;
  userId: number;
  /** The account's address now: the link dies when the account no longer has it. */
  email: string;
  newEmail?: string;
  /** The user's versions as read with the user: a credentials change since then kills the link (account/credentials.ts). */
  passwordVersion: number;
  credentialsVersion: number;
  ttlSeconds: number;
  /** `<base>/<uid>/<token>/` */
  base: string;
  /** A token made by the caller (reset also keeps the contract's KV record of its hash); default: a new one. */
  token?: string;
  /** Writes that join the batch storing the link (a credentials change that comes with it). */
  extra?: BatchItem<"sqlite">[];
}

/** A new link, stored hashed as the only live one of its (user, purpose). Returns the URL for the mail. */
export async function issueLink(d: Deps, l: IssueLink): Promise<string> {
  const token = l.token ?? randomToken(32);
  const now = new Date();
  await saveMailToken(d.db, {
    tokenHash: sha256Hex(token),
    purpose: l.purpose,
    userId: l.userId,
    email: l.email,
    newEmail: l.newEmail,
    passwordVersion: l.passwordVersion,
    credentialsVersion: l.credentialsVersion,
    now,
    expiresAt: new Date(now.getTime() + l.ttlSeconds * 1000),
  }, l.extra);
  return `${l.base}/${encodeUid(l.userId)}/${token}/`;
}

/** The same round trip as issueLink for an address that gets no link. */
export async function issueDecoy(d: Deps, purpose: MailPurpose, ttlSeconds: number, extra: BatchItem<"sqlite">[] = []): Promise<void> {
  const now = new Date();
  await saveDecoyToken(d.db, purpose, sha256Hex(randomToken(32)), now, new Date(now.getTime() + ttlSeconds * 1000), extra);
}

export type LinkState =
  | { live: true; token: MailToken; userEmail: string; passwordVersion: number; tokenHash: string }
  | { live: false; reason: "invalid" | "expired" };

/**
 * What a link is, without spending it (the pages' GET): live, expired (known, unused, still
 * bound to the account's address, only too old), or invalid (unknown, tampered, used,
 * superseded, for another address, another purpose or an inactive account, or issued before a
 * credentials change that kills its purpose).
 */
export async function inspectLink(d: Deps, purpose: MailPurpose, uid: string, token: string): Promise<LinkState> {
  const id = decodeUid(uid);
  if (id === null || !TOKEN_SHAPE.test(token)) return { live: false, reason: "invalid" };
  const tokenHash = sha256Hex(token);
  const found = await findMailToken(d.db, tokenHash);
  if (
    !found ||
    found.token.userId !== id ||
    found.token.purpose !== purpose ||
    found.token.usedAt ||
    !found.userActive ||
    found.userEmail !== found.token.email ||
    !issuedForCurrent(found.token, found)
  ) {
    return { live: false, reason: "invalid" };
  }
  if (found.token.expiresAt.getTime() <= Date.now()) return { live: false, reason: "expired" };
  return { live: true, token: found.token, userEmail: found.userEmail, passwordVersion: found.passwordVersion, tokenHash };
}

/**
 * Spends a link and applies `dependent(hash, claim, now)` in the same D1 batch, each of those
 * statements conditional on this batch's claim. Undefined when the link was not live (already
 * spent, by a concurrent request too: D1 runs one of the two batches first).
 */
export async function spendLink(
  d: Deps,
  purpose: MailPurpose,
  uid: string,
  token: string,
  dependent: (tokenHash: string, claim: string, now: Date, userId: number) => BatchItem<"sqlite">[],
): Promise<{ token: MailToken; results: unknown[] } | undefined> {
  const id = decodeUid(uid);
  if (id === null || !TOKEN_SHAPE.test(token)) return undefined;
  const tokenHash = sha256Hex(token);
  const now = new Date();
  const claim = randomHex(16);
  const { token: spent, results } = await spendWith(d.db, { tokenHash, purpose, userId: id, now, claim }, dependent(tokenHash, claim, now, id));
  return spent ? { token: spent, results } : undefined;
}

/**
 * Sends mails after the answer has left (waitUntil): composing and starting the send waits
 * for a later turn of the event loop, so a request that mails answers no later than one that
 * does not. Failures are logged, never answered.
 */
export function sendAfterAnswer(d: Deps, kind: string, userId: number | null, mails: (() => Mail)[]) {
  if (!mails.length) return;
  const mailer = d.mailer();
  d.afterAnswer(() =>
    Promise.all(
      mails.map((make) =>
        mailer.send(make()).then(
          () => d.log.event("mail_sent", { user_id: userId, kind }),
          (err: unknown) => d.log.event("mail_failed", { user_id: userId, kind, reason: String((err as Error)?.message ?? err) }),
        ),
      ),
    ),
  );
}
