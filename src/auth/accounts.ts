import type { Deps } from "../deps";
import type { User } from "../db/schema";
import { endSessionRefreshStatements, revokeUserSessionsStatement } from "../db/sessions";
import { isCommonPassword } from "../db/common-passwords";
import { findUserByEmail, insertUser, rehashStatement, replacePassword, touchLastLoginStatement } from "../db/users";
import { normalizeEmail } from "./email";
import { DomainError } from "./errors";
import { passwordProblems } from "./password-rules";
import { hashPassword, verifyAgainstDummy, verifyPassword } from "./passwords";
import { openSession, type TokenPair } from "./sessions";

export interface Registration {
  email: string;
  name: string;
  password: string;
  tc: boolean;
}

/** Field problems that make a registration impossible, collected together as DRF reports them. */
export async function registrationProblems(d: Deps, r: Registration): Promise<Record<string, string[]>> {
  const problems: Record<string, string[]> = {};
  // Two independent D1 reads (the address, the common-password list): asked at once.
  const [existing, rules] = await Promise.all([
    findUserByEmail(d.db, normalizeEmail(r.email)),
    passwordProblems(r.password, { email: r.email, name: r.name }, commonCheck(d)),
  ]);
  if (existing) problems.email = ["taken"];
  if (rules.length) problems.password = rules;
  return problems;
}

/**
 * Creates the account and its first session. The unique index on lower(email) decides
 * races: of two concurrent registrations of one address exactly one inserts.
 */
export async function register(d: Deps, r: Registration): Promise<TokenPair> {
  const user = await insertUser(d.db, {
    email: normalizeEmail(r.email),
    name: r.name,
    tc: r.tc,
    password: await hashPassword(r.password, d.config.BCRYPT_COST),
  });
  if (!user) throw new DomainError("email_taken");
  d.log.event("user_registered", { user_id: user.id });
  return openSession(d, user.id);
}

/**
 * Checks credentials with the same bcrypt work whether the account is unknown, inactive
 * or has a wrong password, so neither the answer nor its timing tells them apart.
 */
export async function login(d: Deps, email: string, password: string): Promise<TokenPair> {
  const cost = d.config.BCRYPT_COST;
  const user = await findUserByEmail(d.db, normalizeEmail(email));
  const result =
    user && user.isActive ? await verifyPassword(password, user.password, cost) : { ok: await verifyAgainstDummy(password, cost), needsRehash: false };
  if (!user || !user.isActive || !result.ok) {
    d.log.event("login_failed", { email: d.log.emailRef(email), reason: !user ? "unknown" : !user.isActive ? "inactive" : "password" });
    throw new DomainError("bad_credentials");
  }
  const extra = [];
  // Imported Django hashes and hashes of an older cost are upgraded while the password is at hand.
  if (result.needsRehash) extra.push(rehashStatement(d.db, user.id, user.password, await hashPassword(password, cost)));
  if (d.config.UPDATE_LAST_LOGIN) extra.push(touchLastLoginStatement(d.db, user.id, new Date()));
  const pair = await openSession(d, user.id, extra);
  d.log.event("login", { user_id: user.id, rehashed: result.needsRehash });
  return pair;
}

const commonCheck = (d: Deps) => (candidate: string) => isCommonPassword(d.db, candidate);

/** Rule failures for a new password of `user`; throws them as one domain error. */
export async function assertPasswordRules(d: Deps, password: string, user: Pick<User, "email" | "name">) {
  const problems = await passwordProblems(password, user, commonCheck(d));
  if (problems.length) throw new DomainError("password_rules", problems);
}

/**
 * Changes the password of the caller. Every other session is revoked at once; the
 * caller's own keeps its access token until it expires but loses its refresh tokens.
 */
export async function changePassword(d: Deps, user: User, sessionId: string | undefined, current: string, password: string) {
  const cost = d.config.BCRYPT_COST;
  if (!(await verifyPassword(current, user.password, cost)).ok) throw new DomainError("current_password_wrong");
  await assertPasswordRules(d, password, user);
  const now = new Date();
  const changed = await replacePassword(d.db, user.id, user.passwordVersion, await hashPassword(password, cost), now);
  // A concurrent reset or change won the version: this one is based on a stale password.
  if (!changed) throw new DomainError("current_password_wrong");
  const until = new Date(now.getTime() + d.config.ACCESS_TOKEN_LIFETIME * 1000);
  await d.db.batch([
    revokeUserSessionsStatement(d.db, user.id, "password_changed", now, sessionId),
    ...(sessionId ? endSessionRefreshStatements(d.db, sessionId, until) : []),
  ]);
  d.log.event("password_changed", { user_id: user.id });
}
