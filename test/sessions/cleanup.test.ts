import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import worker from "../../src/index";
import { BATCH_SIZE } from "../../src/features/sessions/cleanup";
import { api, registerUser } from "../support/api";

// Other test files share this database: count only this test's user's rows.
const count = async (table: string, userId: number) =>
  (await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE user_id = ?`).bind(userId).first<{ n: number }>())!.n;

it("the scheduled handler deletes records expired over a day ago, in batches, and nothing live", async () => {
  const live = await registerUser();
  const { user_id } = JSON.parse(atob(live.access.split(".")[1]!));
  const old = Date.now() - 3 * 86_400_000;
  const recent = Date.now() - 3_600_000; // expired an hour ago: kept for a day
  const stale = BATCH_SIZE * 2 + 7;
  const stmts = [];
  for (let i = 0; i < stale; i++) {
    stmts.push(env.DB.prepare("INSERT INTO sessions (id, user_id, created_at, last_used_at, expires_at) VALUES (?, ?, ?, ?, ?)").bind(`old-${i}`, user_id, old, old, old));
    stmts.push(env.DB.prepare("INSERT INTO refresh_tokens (jti_hash, session_id, user_id, issued_at, expires_at) VALUES (?, ?, ?, ?, ?)").bind(`old-${i}`, `old-${i}`, user_id, old, old));
  }
  stmts.push(env.DB.prepare("INSERT INTO sessions (id, user_id, created_at, last_used_at, expires_at) VALUES ('recent', ?, ?, ?, ?)").bind(user_id, recent, recent, recent));
  await env.DB.batch(stmts);
  const [sessionsBefore, tokensBefore] = [await count("sessions", user_id), await count("refresh_tokens", user_id)];
  expect(sessionsBefore).toBe(stale + 2);

  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: "17 3 * * *" }), env as never, ctx);
  await waitOnExecutionContext(ctx);

  expect(await count("sessions", user_id)).toBe(2); // the live login and the recently expired one
  expect(await count("refresh_tokens", user_id)).toBe(tokensBefore - stale);
  expect((await api("/api/token/refresh/", { body: { refresh: live.refresh } })).status).toBe(200);
});
