import type { Deps } from "../../kernel/deps";
import { findUserById } from "../users";
import { assertBudgetLeft, countFailure, resetBudget, type FailureBudget } from "../failure-budgets";
import { secondStepFailedMail } from "./mail";

const MINUTES_15 = 15 * 60_000;

/**
 * Wrong second factors per account, across every mfa_token and address. A fresh login gives
 * a fresh token (5 wrong codes each), so without this the password alone buys unbounded
 * guesses. The lock stops the real user too: whoever reaches this step has the password.
 */
const SECOND_FACTOR_BUDGET: FailureBudget = { kind: "second_factor", limit: 10, windowMs: MINUTES_15 };
/** Wrong codes since the last right one: the 5th in a row mails the user. */
const STREAK: FailureBudget = { kind: "second_factor_streak", limit: 5, windowMs: MINUTES_15 };
/** At most one mail of each kind per 15 minutes (the first "failure" of these gates is the mail). */
const STREAK_MAIL: FailureBudget = { kind: "second_factor_streak_mail", limit: 1, windowMs: MINUTES_15 };
const LOCK_MAIL: FailureBudget = { kind: "second_factor_lock_mail", limit: 1, windowMs: MINUTES_15 };

/** 429 while the account's budget of wrong second factors is spent, the right code too. */
export const assertSecondFactorBudget = (d: Deps, userId: number) => assertBudgetLeft(d, SECOND_FACTOR_BUDGET, String(userId));

/**
 * Counts a wrong code. Each upsert returns its own count, so of concurrent failures exactly
 * one is the 5th in a row and one the 10th: each mail goes once.
 */
export async function countWrongSecondFactor(d: Deps, userId: number): Promise<void> {
  const subject = String(userId);
  const [inWindow, inRow] = await Promise.all([countFailure(d, SECOND_FACTOR_BUDGET, subject), countFailure(d, STREAK, subject)]);
  if (inRow === STREAK.limit) await alertUser(d, userId, STREAK_MAIL, false);
  if (inWindow === SECOND_FACTOR_BUDGET.limit) await alertUser(d, userId, LOCK_MAIL, true);
}

/** A right code breaks the streak. */
export const rightSecondFactor = (d: Deps, userId: number) => resetBudget(d, STREAK, String(userId));

async function alertUser(d: Deps, userId: number, gate: FailureBudget, locked: boolean): Promise<void> {
  if ((await countFailure(d, gate, String(userId))) !== 1) return;
  const kind = locked ? "second_factor_locked" : "second_factor_failures";
  d.log.event(kind, { user_id: userId });
  d.afterAnswer(async () => {
    const user = await findUserById(d.db, userId);
    if (!user?.isActive) return;
    try {
      await d.mailer().send(secondStepFailedMail(user.email, locked));
      d.log.event("mail_sent", { user_id: userId, kind });
    } catch (err) {
      // No transport configured (503 error) or the provider failed: the lock holds regardless.
      d.log.event("mail_failed", { user_id: userId, kind, reason: String((err as Error)?.message ?? err) });
    }
  });
}
