import type { Deps } from "../../kernel/deps";
import { normalizeEmail } from "../../kernel/email";
import { checkCurrentPassword, currentPasswordWrong } from "../passwords";
import { credentialsChanged, findUserByEmail, type User } from "../users";
import { inspectLink, issueDecoy, issueLink, sendAfterAnswer, spendLink, type LinkState } from "../mailed-links";
import { changeEmailStatement, markVerifiedStatement } from "./store";
import { changeLinkMail, changeRequestedMail, changeTakenMail, emailChangedMail, verificationMail } from "./mail";
import { emailLinkInvalid, emailNotVerified } from "./messages";

/** Where links point: the configured front end, else the worker's own pages at PUBLIC_URL (503 without it). */
export const verifyLinkBase = (d: Deps) => d.config.verifyUrl ?? d.ownPage("/verify-email");
export const changeLinkBase = (d: Deps) => d.config.changeEmailUrl ?? d.ownPage("/confirm-email-change");

const versionsOf = (u: User) => ({ passwordVersion: u.passwordVersion, credentialsVersion: u.credentialsVersion });

/** Registration in optional and mandatory modes: the address gets its link after the answer. */
export async function sendVerificationAtRegistration(d: Deps, user: User, base: string): Promise<void> {
  const ttl = d.config.EMAIL_VERIFICATION_TIMEOUT;
  const link = await issueLink(d, { purpose: "verify_email", userId: user.id, email: user.email, ...versionsOf(user), ttlSeconds: ttl, base });
  sendAfterAnswer(d, "email_verification", user.id, [() => verificationMail(user.email, link, ttl)]);
}

/** mandatory mode: no tokens for an unverified address (called only after the password was right). */
export function assertMayGetTokens(d: Deps, user: User): void {
  if (d.config.EMAIL_VERIFICATION === "mandatory" && !user.emailVerified) {
    d.log.event("login_refused", { user_id: user.id, reason: "email_not_verified" });
    throw emailNotVerified();
  }
}

/**
 * A new verification link for a registered, active, unverified address; for any other address
 * the same shape of work (one D1 read, one D1 batch, nothing awaited after it) and no mail, so
 * neither the answer nor its timing tells them apart. The mail goes out after the answer.
 */
export async function requestVerification(d: Deps, email: string, base: string): Promise<void> {
  d.mailer(); // 503 before anything is stored, for known and unknown addresses alike
  const user = await findUserByEmail(d.db, normalizeEmail(email));
  const ttl = d.config.EMAIL_VERIFICATION_TIMEOUT;
  if (!user || !user.isActive || user.emailVerified) {
    await issueDecoy(d, "verify_email", ttl);
    d.log.event("verification_requested", { email: d.log.emailRef(email), known: false });
    return;
  }
  const link = await issueLink(d, { purpose: "verify_email", userId: user.id, email: user.email, ...versionsOf(user), ttlSeconds: ttl, base });
  d.log.event("verification_requested", { user_id: user.id, known: true });
  sendAfterAnswer(d, "email_verification", user.id, [() => verificationMail(user.email, link, ttl)]);
}

export const inspectVerifyLink = (d: Deps, uid: string, token: string): Promise<LinkState> => inspectLink(d, "verify_email", uid, token);
export const inspectChangeLink = (d: Deps, uid: string, token: string): Promise<LinkState> => inspectLink(d, "change_email", uid, token);

/** What following a mailed link came to: the pages render from it, the API turns "dead" into its 400. */
export type LinkOutcome<T extends object = object> = ({ kind: "done" } & T) | { kind: "dead" };

/** Spends a verification link and marks the address verified, in one D1 batch. */
export async function spendVerifyLink(d: Deps, uid: string, token: string): Promise<LinkOutcome> {
  const spent = await spendLink(d, "verify_email", uid, token, (hash, claim, now, userId) => [markVerifiedStatement(d.db, userId, hash, claim, now)]);
  if (!spent) return { kind: "dead" };
  d.securityEvent("email.verified", { userId: spent.token.userId });
  return { kind: "done" };
}

export async function verifyEmail(d: Deps, uid: string, token: string): Promise<void> {
  if ((await spendVerifyLink(d, uid, token)).kind === "dead") throw emailLinkInvalid();
}

/**
 * Checks the password, then: a free new address gets a link, a registered one a notice and
 * no link; the old address is told either way. Both branches do one D1 read and one D1 batch
 * and mail after the answer, so the answer and its timing are the same.
 */
export async function requestEmailChange(d: Deps, user: User, newEmail: string, currentPassword: string, base: string, signedInAt?: number): Promise<void> {
  d.mailer();
  if (!(await checkCurrentPassword(d, user, currentPassword, signedInAt))) {
    d.log.event("email_change_refused", { user_id: user.id, reason: "password" });
    throw currentPasswordWrong();
  }
  const target = normalizeEmail(newEmail);
  const ttl = d.config.EMAIL_VERIFICATION_TIMEOUT;
  const taken = await findUserByEmail(d.db, target);
  const notifyOld = () => changeRequestedMail(user.email, user.name, target);
  // A newer request is a credentials change: every older pending change (and any other proof
  // bound to the credentials) dies in the same batch, whether or not this one gets a link.
  const supersede = [credentialsChanged(d.db, user.id, "email_change_requested", new Date())];
  if (taken) {
    await issueDecoy(d, "change_email", ttl, supersede);
    d.securityEvent("email.change_requested", { userId: user.id }, { new_address_free: false });
    // To the address as its account has it; an inactive account gets no mail (as for resets).
    sendAfterAnswer(d, "email_change", user.id, taken.isActive ? [() => changeTakenMail(taken.email), notifyOld] : [notifyOld]);
    return;
  }
  const link = await issueLink(d, {
    purpose: "change_email",
    userId: user.id,
    email: user.email,
    newEmail: target,
    // The version this batch moves the user to; a concurrent change moves it further and kills the link.
    passwordVersion: user.passwordVersion,
    credentialsVersion: user.credentialsVersion + 1,
    ttlSeconds: ttl,
    base,
    extra: supersede,
  });
  d.securityEvent("email.change_requested", { userId: user.id }, { new_address_free: true });
  sendAfterAnswer(d, "email_change", user.id, [() => changeLinkMail(target, link, ttl), notifyOld]);
}

/**
 * Spends a change link and moves the account to the new address (verified), in one D1 batch.
 * A new address taken in between (any letter case) leaves the account as it was: 400.
 */
export async function spendChangeLink(d: Deps, uid: string, token: string): Promise<LinkOutcome<{ newEmail: string }>> {
  // The old address is told after the change: no change without a way to tell it (503 first).
  d.mailer();
  const state = await inspectChangeLink(d, uid, token);
  if (!state.live || !state.token.newEmail) return { kind: "dead" };
  const newEmail = state.token.newEmail;
  const spent = await spendLink(d, "change_email", uid, token, (hash, claim, now, userId) => [changeEmailStatement(d.db, userId, newEmail, hash, claim, now)]);
  if (!spent) return { kind: "dead" };
  const [changed] = spent.results as [{ id: number }[]];
  if (!changed.length) {
    d.log.event("email_change_failed", { user_id: spent.token.userId, reason: "address_taken" });
    return { kind: "dead" };
  }
  const oldEmail = spent.token.email;
  sendAfterAnswer(d, "email_changed", spent.token.userId, [() => emailChangedMail(oldEmail, newEmail)]);
  d.securityEvent("email.changed", { userId: spent.token.userId });
  return { kind: "done", newEmail };
}

export async function confirmEmailChange(d: Deps, uid: string, token: string): Promise<void> {
  if ((await spendChangeLink(d, uid, token)).kind === "dead") throw emailLinkInvalid();
}
