import { getConfig, type Env } from "../../kernel/config";
import { describeError, logError } from "../../kernel/log";
import { getDb } from "../../kernel/storage";
import { deleteEventsBefore } from "./store";

const DAY_MS = 86_400_000;
const BATCH_SIZE = 1000;
const MAX_BATCHES = 50;

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
  const total = { events: 0, batches: 0 };
  for (let i = 0; i < MAX_BATCHES; i++) {
    const n = await deleteEventsBefore(db, before, BATCH_SIZE);
    total.events += n;
    total.batches++;
    if (n < BATCH_SIZE) break;
  }
  console.log(JSON.stringify({ ts: new Date().toISOString(), level: "info", event: "audit_retention", retention_days: days, ...total }));
  return total;
}
