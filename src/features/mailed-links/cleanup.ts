import type { Env } from "../../kernel/config";
import { getDb } from "../../kernel/storage";
import { deleteExpiredMailTokens } from "./store";

const DAY_MS = 86_400_000;
const BATCH_SIZE = 500;
const MAX_BATCHES = 20;

/** The daily Cron Trigger: mailed links that expired more than a day ago are deleted. */
export async function deleteExpiredMailLinks(env: Env, now = Date.now()) {
  const db = getDb(env.DB);
  let deleted = 0;
  for (let i = 0; i < MAX_BATCHES; i++) {
    const n = await deleteExpiredMailTokens(db, new Date(now - DAY_MS), BATCH_SIZE);
    deleted += n;
    if (n < BATCH_SIZE) break;
  }
  console.log(JSON.stringify({ ts: new Date().toISOString(), level: "info", event: "cleanup", mail_tokens: deleted }));
  return deleted;
}
