import { deleteInBatches } from "../../kernel/cleanup";
import type { Env } from "../../kernel/config";
import { getDb } from "../../kernel/storage";
import { deleteExpiredChallenges } from "./store";

const BATCH_SIZE = 500;

/** The daily Cron Trigger: expired e-mail challenges are deleted (they answer nothing any more). */
export async function deleteExpiredEmailChallenges(env: Env, now = Date.now()) {
  const db = getDb(env.DB);
  const total = await deleteInBatches("cleanup", { batchSize: BATCH_SIZE, maxBatches: 20 }, async () => ({
    email_challenges: await deleteExpiredChallenges(db, new Date(now), BATCH_SIZE),
  }));
  return total.email_challenges;
}
