import type { Deps } from "../../kernel/deps";
import { normalizeEmail } from "../../kernel/email";
import { fieldErrors, type FieldErrors } from "../../kernel/errors";
import { hashPassword, verifyAgainstDummy, verifyPassword } from "../passwords/hashing";
import { assertPasswordsMatch } from "../passwords/messages";
import { assertPasswordRules, newPasswordProblems } from "../passwords/policy";
import { startMfaLogin, type MfaChallenge } from "../mfa/service";
import { openSession, type TokenPair } from "../sessions/service";
import { ACCOUNT_MSG, badCredentials, currentPasswordWrong, emailTaken } from "./messages";
import type { User } from "./schema";
import type { RegisterBody } from "./schemas";
import { findUserByEmail, insertUser, rehashStatement, replacePasswordEndingSessions, touchLastLoginStatement } from "./store";

/**
 * Creates the account and its first session. Field problems are reported together, as
 * DRF's serializer does: terms, a taken address, the password rules; then the
 * confirmation. The unique index on lower(email) decides races: of two concurrent
 * registrations of one address exactly one inserts.
 */
export async function register(d: Deps, r: RegisterBody): Promise<TokenPair> {
  const email = normalizeEmail(r.email);
  // Two independent D1 reads (the address, the common-password list): asked at once.
  const [existing, rules] = await Promise.all([findUserByEmail(d.db, email), newPasswordProblems(d, r.password, r)]);
  const problems: FieldErrors = {};
  if (!r.tc) problems.tc = [ACCOUNT_MSG.termsRequired];
  if (existing) problems.email = [ACCOUNT_MSG.emailTaken];
  if (rules.length) problems.password = rules;
  if (Object.keys(problems).length) throw fieldErrors(problems);
  assertPasswordsMatch(r.password, r.password2);

  const user = await insertUser(d.db, { email, name: r.name, tc: r.tc, password: await hashPassword(r.password, d.config.BCRYPT_COST) });
  if (!user) throw emailTaken();
  d.log.event("user_registered", { user_id: user.id });
  return openSession(d, user.id);
}

/**
 * Checks credentials with the same bcrypt work whether the account is unknown, inactive
 * or has a wrong password, so neither the answer nor its timing tells them apart.
 */
export async function login(d: Deps, email: string, password: string): Promise<TokenPair | MfaChallenge> {
  const cost = d.config.BCRYPT_COST;
  const user = await findUserByEmail(d.db, normalizeEmail(email));
  const result =
    user && user.isActive ? await verifyPassword(password, user.password, cost) : { ok: await verifyAgainstDummy(password, cost), needsRehash: false };
  if (!user || !user.isActive || !result.ok) {
    d.log.event("login_failed", { email: d.log.emailRef(email), reason: !user ? "unknown" : !user.isActive ? "inactive" : "password" });
    throw badCredentials();
  }
  const extra = [];
  // Imported Django hashes and hashes of an older cost are upgraded while the password is at hand.
  if (result.needsRehash) extra.push(rehashStatement(d.db, user.id, user.password, await hashPassword(password, cost)));
  // Two-factor users get an mfa_token instead of a pair; mfaEnabled comes with the row already read.
  if (user.mfaEnabled) return startMfaLogin(d, user, extra);
  if (d.config.UPDATE_LAST_LOGIN) extra.push(touchLastLoginStatement(d.db, user.id, new Date()));
  const pair = await openSession(d, user.id, extra);
  d.log.event("login", { user_id: user.id, rehashed: result.needsRehash });
  return pair;
}

export interface PasswordChange {
  password: string;
  password2: string;
  current_password: string;
}

/**
 * Changes the password of the caller. Every other session is revoked in the same batch;
 * the caller's own keeps its access token until it expires but loses its refresh tokens.
 */
export async function changePassword(d: Deps, user: User, sessionId: string | undefined, b: PasswordChange) {
  assertPasswordsMatch(b.password, b.password2);
  const cost = d.config.BCRYPT_COST;
  if (!(await verifyPassword(b.current_password, user.password, cost)).ok) throw currentPasswordWrong();
  await assertPasswordRules(d, b.password, user);
  const now = new Date();
  const won = await replacePasswordEndingSessions(d.db, {
    userId: user.id,
    expectedVersion: user.passwordVersion,
    hash: await hashPassword(b.password, cost),
    now,
    reason: "password_changed",
    keep: sessionId ? { sessionId, until: new Date(now.getTime() + d.config.ACCESS_TOKEN_LIFETIME * 1000) } : undefined,
  });
  // A concurrent reset or change won the version: this one is based on a stale password.
  if (!won) throw currentPasswordWrong();
  d.log.event("password_changed", { user_id: user.id });
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
  };
}
