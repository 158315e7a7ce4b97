import type { Deps } from "../../kernel/deps";
import { currentPasswordWrong, reauthenticationRequired } from "./messages";
import type { User } from "../users";
import { assertBudgetLeft, countFailure, type FailureBudget } from "../failure-budgets";
import { isSupportedHash, verifyPassword } from "./hashing";

/**
 * Wrong current passwords per account, from any address and any session, across every
 * endpoint that asks for one: otherwise each such endpoint is a password oracle of its own
 * (a stolen access token times the number of endpoints).
 */
const CURRENT_PASSWORD_BUDGET: FailureBudget = { kind: "current_password", limit: 5, windowMs: 60_000 };

/**
 * The only way an endpoint checks `current_password`: 429 while the account's budget is
 * spent (the right password too), else verifies; a wrong one is counted. A right one neither
 * counts nor resets the count. Returns whether it was right. For an account without a
 * password, a recent sign-in instead (signedInRecently).
 */
export async function checkCurrentPassword(d: Deps, user: Pick<User, "id" | "password">, candidate: string, signedInAt?: number): Promise<boolean> {
  if (!isSupportedHash(user.password)) return signedInRecently(d, signedInAt);
  const subject = String(user.id);
  await assertBudgetLeft(d, CURRENT_PASSWORD_BUDGET, subject);
  if ((await verifyPassword(candidate, user.password, d.config)).ok) return true;
  const failures = await countFailure(d, CURRENT_PASSWORD_BUDGET, subject);
  d.log.event("current_password_wrong", { user_id: user.id, failures });
  return false;
}

/** checkCurrentPassword, with the 400 under `current_password` for a wrong one. */
export async function assertCurrentPassword(d: Deps, user: Pick<User, "id" | "password">, candidate: string, signedInAt?: number): Promise<void> {
  if (!(await checkCurrentPassword(d, user, candidate, signedInAt))) throw currentPasswordWrong();
}

/**
 * An account without a password (a provider or an e-mail code made it, or its imported hash
 * cannot be checked) has none to offer: a recent sign-in of the calling session stands in
 * for it (`signedInAt`: the access token's auth_time, the session's, which refreshes never
 * move; REAUTH_MAX_AGE is the sign-in capability's setting). Otherwise 403: sign in again.
 */
function signedInRecently(d: Deps, signedInAt: number | undefined): true {
  if (signedInAt !== undefined && Date.now() / 1000 - signedInAt <= d.config.REAUTH_MAX_AGE) return true;
  throw reauthenticationRequired();
}
