import { DAY_MS, deleteInBatches } from "../../kernel/cleanup";
import type { Env } from "../../kernel/config";
import { getDb } from "../../kernel/storage";
import { deleteOldWindows } from "./store";

/** The daily Cron Trigger: every budget's window is shorter than a day, so older rows go. */
export async function deleteEndedFailureWindows(env: Env, now = Date.now()) {
  const db = getDb(env.DB);
  return deleteInBatches("cleanup", { batchSize: Number.MAX_SAFE_INTEGER, maxBatches: 1 }, async () => ({
    failure_budgets: await deleteOldWindows(db, new Date(now - DAY_MS)),
  }));
}
