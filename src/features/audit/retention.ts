import { DAY_MS, deleteInBatches } from "../../kernel/cleanup";
import { getConfig, type Env } from "../../kernel/config";
import { describeError, logError } from "../../kernel/log";
import { getDb } from "../../kernel/storage";
import { deleteEventsBefore } from "./store";

const BATCH_SIZE = 1000;

/**
 * The Cron Trigger's part for the audit log: events older than AUDIT_RETENTION_DAYS go, in
 * bounded statements (at most 50,000 a run; a backlog shrinks over a few days).
 */
export async function deleteOldEvents(env: Env, now = Date.now()) {
  if (!env.AUDIT_DB) return { events: 0, batches: 0 };
  let days: number;
  try {
    days = getConfig(env).AUDIT_RETENTION_DAYS;
  } catch (err) {
    logError("audit_retention_skipped", { error: describeError(err) });
    return { events: 0, batches: 0 };
  }
  const db = getDb(env.AUDIT_DB);
  const before = new Date(now - days * DAY_MS);
  return deleteInBatches("audit_retention", { batchSize: BATCH_SIZE, maxBatches: 50 }, async () => ({
    events: await deleteEventsBefore(db, before, BATCH_SIZE),
  }));
}
