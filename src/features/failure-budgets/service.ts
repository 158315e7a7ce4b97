import type { Deps } from "../../kernel/deps";
import { detailError } from "../../kernel/errors";
import { MSG } from "../../kernel/messages";
import { readPrimaryFromNowOn } from "../../kernel/storage";
import { addFailure, clearFailures, readFailureWindow, type FailureBudget } from "./store";

export type { FailureBudget } from "./store";

/**
 * 429 with the throttled envelope while the subject's budget is spent (the right answer too,
 * so a guesser learns nothing once it is). Reads without counting, on the primary: a replica
 * could miss the failures that spent it.
 */
export async function assertBudgetLeft(d: Deps, budget: FailureBudget, subject: string): Promise<void> {
  readPrimaryFromNowOn();
  const now = new Date();
  const open = await readFailureWindow(d.db, budget, subject, now);
  if (!open || open.failures < budget.limit) return;
  const wait = Math.max(1, Math.ceil((open.windowStart.getTime() + budget.windowMs - now.getTime()) / 1000));
  d.log.event("throttled", { limiter: `failure_budget:${budget.kind}` });
  throw detailError(429, MSG.throttled(wait), "throttled", { "Retry-After": String(wait) });
}

/** Counts one failure; returns the failures of the window so far, this one included. */
export async function countFailure(d: Deps, budget: FailureBudget, subject: string): Promise<number> {
  return (await addFailure(d.db, budget, subject, new Date())).failures;
}

/** Forgets the subject's failures (a streak that a success breaks). */
export async function resetBudget(d: Deps, budget: FailureBudget, subject: string): Promise<void> {
  await clearFailures(d.db, budget, subject);
}
