import type { Deps } from "../../kernel/deps";
import { currentPasswordWrong } from "./messages";
import type { User } from "../users";
import { assertBudgetLeft, countFailure, type FailureBudget } from "../failure-budgets";
import { verifyPassword } from "./hashing";

/**
 * Wrong current passwords per account, from any address and any session, across every
 * endpoint that asks for one: otherwise each such endpoint is a password oracle of its own
 * (a stolen access token times the number of endpoints).
 */
const CURRENT_PASSWORD_BUDGET: FailureBudget = { kind: "current_password", limit: 5, windowMs: 60_000 };

/**
 * The only way an endpoint checks `current_password`: 429 while the account's budget is
 * spent (the right password too), else verifies; a wrong one is counted. A right one neither
 * counts nor resets the count. Returns whether it was right.
 */
export async function checkCurrentPassword(d: Deps, user: Pick<User, "id" | "password">, candidate: string): Promise<boolean> {
  const subject = String(user.id);
  await assertBudgetLeft(d, CURRENT_PASSWORD_BUDGET, subject);
  if ((await verifyPassword(candidate, user.password, d.config)).ok) return true;
  const failures = await countFailure(d, CURRENT_PASSWORD_BUDGET, subject);
  d.log.event("current_password_wrong", { user_id: user.id, failures });
  return false;
}

/** checkCurrentPassword, with the 400 under `current_password` for a wrong one. */
export async function assertCurrentPassword(d: Deps, user: Pick<User, "id" | "password">, candidate: string): Promise<void> {
  if (!(await checkCurrentPassword(d, user, candidate))) throw currentPasswordWrong();
}
