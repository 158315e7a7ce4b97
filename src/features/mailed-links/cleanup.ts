import { DAY_MS, deleteInBatches } from "../../kernel/cleanup";
import type { Env } from "../../kernel/config";
import { getDb } from "../../kernel/storage";
import { deleteExpiredMailTokens } from "./store";

const BATCH_SIZE = 500;

/** The daily Cron Trigger: mailed links that expired more than a day ago are deleted. */
export async function deleteExpiredMailLinks(env: Env, now = Date.now()) {
  const db = getDb(env.DB);
  const before = new Date(now - DAY_MS);
  const total = await deleteInBatches("cleanup", { batchSize: BATCH_SIZE, maxBatches: 20 }, async () => ({
    mail_tokens: await deleteExpiredMailTokens(db, before, BATCH_SIZE),
  }));
  return total.mail_tokens;
}
