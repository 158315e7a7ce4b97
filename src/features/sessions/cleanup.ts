import { DAY_MS, deleteInBatches } from "../../kernel/cleanup";
import type { Env } from "../../kernel/config";
import { getDb } from "../../kernel/storage";
import { deleteExpired } from "./store";

/** Rows per statement and statements per run: small enough for a Worker's CPU and subrequest limits. */
export const BATCH_SIZE = 500;

/**
 * The Cron Trigger's job: sessions (and refresh records from before generations) that
 * expired more than a day ago are deleted, so the tables stay bounded by the number of live
 * logins. The day of grace keeps a just-expired replay recognisable in the logs.
 */
export function deleteExpiredRecords(env: Env, now = Date.now()) {
  const db = getDb(env.DB);
  const before = new Date(now - DAY_MS);
  return deleteInBatches("cleanup", { batchSize: BATCH_SIZE, maxBatches: 20 }, () => deleteExpired(db, before, BATCH_SIZE));
}
