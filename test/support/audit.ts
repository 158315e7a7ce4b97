import { env } from "cloudflare:workers";
import { api, registerUser } from "./api";

/** Registers a user and makes them an admin, as `npm run admin:promote` does. */
export async function registerAdmin(overrides: Parameters<typeof registerUser>[0] = {}) {
  const u = await registerUser(overrides);
  await env.DB.prepare("UPDATE users SET is_admin = 1 WHERE lower(email) = lower(?)").bind(u.email).run();
  return { ...u, id: await userIdOf(u.email) };
}

export async function userIdOf(email: string): Promise<number> {
  const row = await env.DB.prepare("SELECT id FROM users WHERE lower(email) = lower(?)").bind(email).first<{ id: number }>();
  if (!row) throw new Error(`no user ${email}`);
  return row.id;
}

export interface StoredEvent {
  id: string;
  at: number;
  type: string;
  user_id: number | null;
  actor_id: number | null;
  session_id: string | null;
  ip: string | null;
  user_agent: string | null;
  country: string | null;
  detail: string;
}

/** The user's events in AUDIT_DB, oldest first. */
export async function eventsOf(userId: number): Promise<StoredEvent[]> {
  const { results } = await env.AUDIT_DB.prepare("SELECT * FROM events WHERE user_id = ? ORDER BY id").bind(userId).all<StoredEvent>();
  return results;
}

/** Events are written after the answer: waits until `type` appears `count` times for the user. */
export async function waitForEvent(userId: number, type: string, count = 1, timeoutMs = 5000): Promise<StoredEvent[]> {
  const started = Date.now();
  for (;;) {
    const found = (await eventsOf(userId)).filter((e) => e.type === type);
    if (found.length >= count) return found;
    if (Date.now() - started > timeoutMs) throw new Error(`no ${type} event for user ${userId} within ${timeoutMs} ms (have: ${(await eventsOf(userId)).map((e) => e.type).join(", ")})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const adminApi = (token: string) => (path: string, o: Parameters<typeof api>[1] = {}) => api(path, { token, ...o });
