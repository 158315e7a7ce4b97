import { deleteInBatches } from "../../kernel/cleanup";
import type { Env } from "../../kernel/config";
import { getDb } from "../../kernel/storage";
import { deleteExpiredCeremonies } from "./store";

const BATCH_SIZE = 500;

/** The daily Cron Trigger: provider attempts and app codes past their expiry are deleted (they are dead already). */
export async function deleteExpiredOidcCeremonies(env: Env, now = Date.now()) {
  const db = getDb(env.DB);
  return deleteInBatches("cleanup", { batchSize: BATCH_SIZE, maxBatches: 20 }, () => deleteExpiredCeremonies(db, new Date(now), BATCH_SIZE));
}
