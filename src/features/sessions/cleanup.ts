import type { Env } from "../../kernel/config";
import { getDb } from "../../kernel/storage";
import { deleteExpired } from "./store";

const DAY_MS = 86_400_000;
/** Rows per statement and statements per run: small enough for a Worker's CPU and subrequest limits. */
export const BATCH_SIZE = 500;
const MAX_BATCHES = 20;

/**
 * The Cron Trigger's job: refresh-token records and sessions that expired more than a day
 * ago are deleted, so the tables stay bounded by the number of live logins. The day of
 * grace keeps a just-expired replay recognisable in the logs. Stops early when done.
 */
export async function deleteExpiredRecords(env: Env, now = Date.now()) {
  const db = getDb(env.DB);
  const before = new Date(now - DAY_MS);
  const total = { refreshTokens: 0, sessions: 0, batches: 0 };
  for (let i = 0; i < MAX_BATCHES; i++) {
    const n = await deleteExpired(db, before, BATCH_SIZE);
    total.refreshTokens += n.refreshTokens;
    total.sessions += n.sessions;
    total.batches++;
    if (n.refreshTokens < BATCH_SIZE && n.sessions < BATCH_SIZE) break;
  }
  console.log(JSON.stringify({ ts: new Date().toISOString(), level: "info", event: "cleanup", ...total }));
  return total;
}
