import { randomToken, sha256Hex } from "../../kernel/crypto";
import type { Deps } from "../../kernel/deps";
import { normalizeEmail } from "../../kernel/email";
import { fieldError } from "../../kernel/errors";
import { findUserByEmail, findUserById, type User } from "../users";
import { replacePasswordEndingSessions } from "../sessions";
import { inspectLink, issueDecoy, issueLink, sendAfterAnswer } from "../mailed-links";
import { markMailTokenUsed } from "../mailed-links";
import { hashPassword } from "../passwords";
import { newPasswordProblems } from "../passwords";
import { resetPasswordMail } from "./mail";
import { resetLinkInvalid } from "./messages";
import { deleteResetLink, findNewestResetLink, saveDecoyLink, saveResetLink } from "./store";

/**
 * Sends a reset link to an active account; for any other address does the same shape of
 * work (one D1 read, then two KV writes and one D1 batch at once, nothing awaited after
 * them) and sends nothing, so neither the answer nor its timing tells the two apart. The
 * mail goes out after the answer.
 *
 * The link lives on the mailed-link core (mail_tokens in D1: newest only, bound to the
 * address, spent by a conditional write), which decides; the contract's KV record of the
 * nonce's hash (300 s TTL) is kept beside it and must be there too.
 */
export async function requestReset(d: Deps, email: string, linkBase: string): Promise<void> {
  // Before anything is stored, and for known and unknown addresses alike.
  d.mailer();
  const user = await findUserByEmail(d.db, normalizeEmail(email));
  const nonce = randomToken(32);
  const hash = sha256Hex(nonce);
  const ttl = d.config.PASSWORD_RESET_TIMEOUT;
  if (!user || !user.isActive) {
    const ref = d.log.emailRef(email);
    await Promise.all([saveDecoyLink(d.kv, hash, ref, ttl), issueDecoy(d, "password_reset", ttl)]);
    d.log.event("reset_requested", { email: ref, known: false });
    return;
  }
  const [, link] = await Promise.all([
    saveResetLink(d.kv, hash, { u: user.id, v: user.passwordVersion }, ttl),
    issueLink(d, { purpose: "password_reset", userId: user.id, email: user.email, passwordVersion: user.passwordVersion, credentialsVersion: user.credentialsVersion, ttlSeconds: ttl, base: linkBase, token: nonce }),
  ]);
  d.securityEvent("password.reset_requested", { userId: user.id }, { known: true });
  // After the answer: a registered address must not answer any later than an unknown one.
  sendAfterAnswer(d, "password_reset", user.id, [() => resetPasswordMail(user.email, user.name, link, Math.round(ttl / 60))]);
}

/**
 * The account a link is for, if the link is live: known nonce, matching uid, the newest
 * link of that user (in D1 and in KV), sent to the address the user still has, and issued
 * for the password the user still has.
 */
export async function resetLinkState(d: Deps, uid: string, token: string): Promise<ResetLink> {
  const state = await inspectLink(d, "password_reset", uid, token);
  if (!state.live) return { kind: "dead" };
  const id = state.token.userId;
  const [record, user] = await Promise.all([findNewestResetLink(d.kv, state.tokenHash, id), findUserById(d.db, id)]);
  if (!record || !user || !user.isActive || user.email !== state.token.email) return { kind: "dead" };
  if (user.passwordVersion !== record.v || state.token.passwordVersion !== record.v) return { kind: "dead" };
  return { kind: "live", user, hash: state.tokenHash, version: record.v };
}

export type ResetLink = { kind: "live"; user: User; hash: string; version: number } | { kind: "dead" };
/** What a reset attempt came to: the page renders from it, the API turns it into its errors. */
export type ResetOutcome = { kind: "done" } | { kind: "dead" } | { kind: "rules"; problems: string[] };

/**
 * Sets the new password and revokes every session of the user, in one batch. The update
 * is conditional on the version the link was issued for, so a link works once even where
 * the KV delete has not propagated yet, and a password change in between kills it.
 */
export async function attemptReset(d: Deps, uid: string, token: string, password: string): Promise<ResetOutcome> {
  const link = await resetLinkState(d, uid, token);
  if (link.kind === "dead") return link;
  const { user, hash, version } = link;
  const problems = await newPasswordProblems(d, password, user);
  if (problems.length) return { kind: "rules", problems };
  const hashed = await hashPassword(password, d.config);
  const won = await replacePasswordEndingSessions(d.db, { userId: user.id, expectedVersion: version, hash: hashed, now: new Date(), reason: "password_reset" });
  if (!won) return { kind: "dead" };
  // Tidiness only: the version bump above already killed the link (and every older one).
  await Promise.all([markMailTokenUsed(d.db, hash, new Date()), deleteResetLink(d.kv, hash, user.id)]);
  d.securityEvent("password.reset", { userId: user.id });
  return { kind: "done" };
}

/** The API's reset: a dead link is its 400, broken rules are field errors under `password`, as DRF's serializer reports them. */
export async function confirmReset(d: Deps, uid: string, token: string, password: string): Promise<void> {
  const outcome = await attemptReset(d, uid, token, password);
  if (outcome.kind === "dead") throw resetLinkInvalid();
  if (outcome.kind === "rules") throw fieldError("password", ...outcome.problems);
}
