import { and, eq, gt, lt, sql } from "drizzle-orm";
import type { Db } from "../../kernel/storage";
import { failureBudgets } from "./schema";

/** A budget of failures: at most `limit` per `windowMs`, counted per subject. */
export interface FailureBudget {
  /** The row's `kind`: one per budget, never shared. */
  kind: string;
  limit: number;
  windowMs: number;
}

/** The subject's window, if one is open at `now`: its failures so far and when it started. */
export async function readFailureWindow(db: Db, budget: FailureBudget, subject: string, now: Date) {
  return db
    .select({ failures: failureBudgets.failures, windowStart: failureBudgets.windowStart })
    .from(failureBudgets)
    .where(
      and(eq(failureBudgets.kind, budget.kind), eq(failureBudgets.subject, subject), gt(failureBudgets.windowStart, new Date(now.getTime() - budget.windowMs))),
    )
    .get();
}

/**
 * Counts one failure: one conditional upsert, so concurrent failures each count. A window
 * that has passed starts again at `now` with this failure. Returns the window after it.
 */
export async function addFailure(db: Db, budget: FailureBudget, subject: string, now: Date): Promise<{ failures: number; windowStart: Date }> {
  const expired = sql`${failureBudgets.windowStart} <= ${now.getTime() - budget.windowMs}`;
  const [row] = await db
    .insert(failureBudgets)
    .values({ kind: budget.kind, subject, windowStart: now, failures: 1 })
    .onConflictDoUpdate({
      target: [failureBudgets.kind, failureBudgets.subject],
      // SQLite evaluates every SET expression on the row as it was: both see the old window.
      set: {
        failures: sql`case when ${expired} then 1 else ${failureBudgets.failures} + 1 end`,
        windowStart: sql`case when ${expired} then ${now.getTime()} else ${failureBudgets.windowStart} end`,
      },
    })
    .returning({ failures: failureBudgets.failures, windowStart: failureBudgets.windowStart });
  return row!;
}

/** The daily cron: every window is shorter than a day, so older rows tell nothing any more. */
export async function deleteOldWindows(db: Db, before: Date): Promise<number> {
  const result = await db.delete(failureBudgets).where(lt(failureBudgets.windowStart, before)).run();
  return result.meta.changes;
}

/** Ends the subject's window: for counts of failures "in a row", which a success breaks. */
export async function clearFailures(db: Db, budget: FailureBudget, subject: string): Promise<void> {
  await db.delete(failureBudgets).where(and(eq(failureBudgets.kind, budget.kind), eq(failureBudgets.subject, subject)));
}
