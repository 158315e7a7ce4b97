import type { Deps } from "../../kernel/deps";
import { readPrimaryFromNowOn } from "../../kernel/storage";
import { normalizeEmail } from "../../kernel/email";
import { fieldErrors, findAppError, type FieldErrors } from "../../kernel/errors";
import { hashPassword, isCostlyHash, verifyAgainstDummy, verifyPassword, type HasherSpec } from "../passwords";
import { assertPasswordsMatch, checkCurrentPassword } from "../passwords";
import { assertPasswordRules, newPasswordProblems } from "../passwords";
import { assertMayGetTokens, sendVerificationAtRegistration, verifyLinkBase } from "../email-address";
import { startMfaLogin, type MfaChallenge } from "../mfa";
import { openSession, type TokenPair } from "../sessions";
import { recordPasswordFailure } from "../sessions";
import { ACCOUNT_MSG, badCredentials, emailTaken } from "./messages";
import { currentPasswordWrong } from "../passwords";
import { replacePasswordEndingSessions } from "../sessions";
import { hasPassword } from "../sign-in";
import { findUserByEmail, rehashStatement, touchLastLoginStatement } from "../users";
import { type User } from "../users";
import type { RegisterBody } from "./schemas";

/** A session signed into with the password (RFC 8176), registration included: the user just typed it. */
const PASSWORD_AMR = ["pwd"];
import { insertUser } from "./store";

/**
 * Creates the account and its first session. Field problems are reported together, as
 * DRF's serializer does: terms, a taken address, the password rules; then the
 * confirmation. The unique index on lower(email) decides races: of two concurrent
 * registrations of one address exactly one inserts.
 */
export async function register(d: Deps, r: RegisterBody): Promise<TokenPair | null> {
  const email = normalizeEmail(r.email);
  // Two independent D1 reads (the address, the common-password list): asked at once.
  const [existing, rules] = await Promise.all([findUserByEmail(d.db, email), newPasswordProblems(d, r.password, r)]);
  const problems: FieldErrors = {};
  if (!r.tc) problems.tc = [ACCOUNT_MSG.termsRequired];
  if (existing) problems.email = [ACCOUNT_MSG.emailTaken];
  if (rules.length) problems.password = rules;
  if (Object.keys(problems).length) throw fieldErrors(problems);
  assertPasswordsMatch(r.password, r.password2);
  // optional and mandatory mail a verification link: no account without a way to send it,
  // nor without a configured place for it to point at (503 either way).
  const linkBase = d.config.EMAIL_VERIFICATION !== "none" ? (d.mailer(), verifyLinkBase(d)) : "";

  const user = await insertUser(d.db, { email, name: r.name, tc: r.tc, password: await hashPassword(r.password, d.config) });
  if (!user) throw emailTaken();
  d.securityEvent("user.registered", { userId: user.id, detail: { method: "password" } });
  if (d.config.EMAIL_VERIFICATION !== "none") await sendVerificationAtRegistration(d, user, linkBase);
  // mandatory: no session until the address is verified.
  if (d.config.EMAIL_VERIFICATION === "mandatory") return null;
  const opened = await openSession(d, user, [], PASSWORD_AMR);
  // Only a reset within the same instant could move the version of a brand-new account.
  if (!opened) throw badCredentials();
  return opened.pair;
}

/**
 * Checks credentials with the same hashing work whether the account is unknown, inactive
 * or has a wrong password, so neither the answer nor its timing tells them apart.
 */
export type LoginResult = { kind: "session"; pair: TokenPair; sessionId: string } | { kind: "mfa"; challenge: MfaChallenge };

export async function login(d: Deps, email: string, password: string): Promise<LoginResult> {
  const hasher = d.config;
  // Read wherever is nearest: the session insert below is conditional on the password
  // version and the account being active on the primary, so a stale row cannot let anyone in.
  let user = await findUserByEmail(d.db, normalizeEmail(email));
  // An imported Django hash not yet re-hashed costs ~10x a bcrypt check, and its timing shows
  // (docs/security.md): bound how often anyone can make us pay it, per account. Past the
  // bound the login fails as a wrong password would, after the configured hasher's dummy
  // check: never a 429 that an unknown e-mail would not get (that would tell the account apart).
  const costlyRefused = Boolean(user?.isActive && isCostlyHash(user.password) && !(await mayCheckCostlyHash(d, user.id)));
  let result =
    user && user.isActive && !costlyRefused
      ? await verifyPassword(password, user.password, hasher)
      : { ok: await verifyAgainstDummy(password, hasher), needsRehash: false };
  if (!user || !user.isActive || !result.ok) {
    // Before refusing, ask the primary: a replica may not have the account or its new
    // password yet. Every failure pays this read, so it tells nothing apart.
    readPrimaryFromNowOn();
    const fresh = await findUserByEmail(d.db, normalizeEmail(email));
    const freshChecks = fresh && fresh.isActive && (fresh.password !== user?.password || !user.isActive);
    if (freshChecks && (!isCostlyHash(fresh.password) || (await mayCheckCostlyHash(d, fresh.id)))) {
      user = fresh;
      result = await verifyPassword(password, fresh.password, hasher);
    }
  }
  if (!user || !user.isActive || !result.ok) {
    // An unknown address is no account's event: the log line alone.
    if (user) d.securityEvent("login.failed", { userId: user.id, detail: { method: "password", reason: user.isActive ? "password" : "inactive" } }, { email: d.log.emailRef(email), costly_hash_budget: costlyRefused || undefined });
    else d.log.event("login_failed", { email: d.log.emailRef(email), reason: "unknown" });
    throw badCredentials();
  }
  // mandatory mode: an unverified address gets no tokens, told only after the password was right.
  assertMayGetTokens(d, user);
  const extra = [];
  // Imported Django hashes and hashes of another kind or cost than configured are upgraded while the password is at hand.
  if (result.needsRehash) extra.push(rehashStatement(d.db, user.id, user.password, await hashPassword(password, hasher)));
  // Two-factor users get an mfa_token instead of a pair; mfaEnabled comes with the row already read.
  if (user.mfaEnabled) return { kind: "mfa", challenge: await startMfaLogin(d, user, extra) };
  if (d.config.UPDATE_LAST_LOGIN) extra.push(touchLastLoginStatement(d.db, user.id, new Date()));
  let opened = await openSession(d, user, extra, PASSWORD_AMR);
  if (!opened) {
    // The primary refused: the row read was stale. If the password this login proved is still
    // the account's, go on with the primary's state (MFA enabled since: the second step).
    readPrimaryFromNowOn();
    const fresh = await findUserByEmail(d.db, normalizeEmail(email));
    if (fresh?.isActive && fresh.id === user.id && fresh.password === user.password && fresh.passwordVersion === user.passwordVersion) {
      assertMayGetTokens(d, fresh);
      if (fresh.mfaEnabled) return { kind: "mfa", challenge: await startMfaLogin(d, fresh) };
      opened = await openSession(d, fresh, [], PASSWORD_AMR);
    }
  }
  if (!opened) {
    // A reset or change committed between the password check and the session: the password
    // this login proved is no longer the account's.
    d.securityEvent("login.failed", { userId: user.id, detail: { method: "password", reason: "password_changed_meanwhile" } });
    throw badCredentials();
  }
  d.securityEvent("login.succeeded", { userId: user.id, sessionId: opened.sessionId, detail: { method: "password" } }, { rehashed: result.needsRehash });
  return { kind: "session", ...opened };
}

/** Counts a check of a costly hash against COSTLY_HASH_LIMITER; false once it is over. */
async function mayCheckCostlyHash(d: Deps, userId: number): Promise<boolean> {
  try {
    await d.limit([["COSTLY_HASH_LIMITER", String(userId)]]);
    return true;
  } catch (err) {
    if (findAppError(err)?.status === 429) return false;
    throw err;
  }
}

export interface PasswordChange {
  password: string;
  password2: string;
  current_password: string;
}

/** Wrong current passwords a session may offer before it is revoked (the account's budget bounds the pace). */
const PASSWORD_FAILURES_PER_SESSION = 5;
/** How long a repeated change is recognised as the retry of one that committed unseen (a 503 after a D1 timeout). */
const RETRY_WINDOW_MS = 120_000;

/**
 * Changes the password of the caller. Every other session is revoked in the same batch;
 * the caller's own keeps its access token until it expires but can no longer refresh.
 * Wrong current passwords count against the calling session, which ends at the limit.
 */
export async function changePassword(d: Deps, user: User, sessionId: string | undefined, b: PasswordChange, signedInAt?: number) {
  assertPasswordsMatch(b.password, b.password2);
  const hasher = d.config;
  if (!(await checkCurrentPassword(d, user, b.current_password, signedInAt))) {
    // Inside the budget: within RETRY_WINDOW_MS this is an oracle for the new password too.
    if (await isRetryOfCommittedChange(user, b, hasher)) return;
    if (sessionId && (await recordPasswordFailure(d.db, sessionId, new Date(), PASSWORD_FAILURES_PER_SESSION))) {
      d.securityEvent("session.revoked", { userId: user.id, sessionId, detail: { reason: "password_guessing" } });
    }
    throw currentPasswordWrong();
  }
  await assertPasswordRules(d, b.password, user);
  const now = new Date();
  const won = await replacePasswordEndingSessions(d.db, {
    userId: user.id,
    expectedVersion: user.passwordVersion,
    hash: await hashPassword(b.password, hasher),
    now,
    reason: "password_changed",
    keep: sessionId ? { sessionId, until: new Date(now.getTime() + d.config.ACCESS_TOKEN_LIFETIME * 1000) } : undefined,
  });
  // A concurrent reset or change won the version: this one is based on a stale password.
  if (!won) throw currentPasswordWrong();
  d.securityEvent("password.changed", { userId: user.id, sessionId });
}

/**
 * The same change sent again after its answer was lost: the stored password is already the
 * new one, set moments ago. Answered as a success instead of "current password wrong".
 */
async function isRetryOfCommittedChange(user: User, b: PasswordChange, hasher: HasherSpec): Promise<boolean> {
  const changedAt = user.passwordChangedAt?.getTime();
  if (changedAt === undefined || Date.now() - changedAt > RETRY_WINDOW_MS) return false;
  return (await verifyPassword(b.password, user.password, hasher)).ok;
}

/** The profile: the user's public fields, never a secret. */
export function profileOf(user: User) {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    tc: user.tc,
    is_admin: user.isAdmin,
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
    last_login: user.lastLogin?.toISOString() ?? null,
    mfa_enabled: user.mfaEnabled,
    email_verified: user.emailVerified,
    has_password: hasPassword(user),
  };
}
