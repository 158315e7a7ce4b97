import { env } from "cloudflare:workers";
import "../../src/app"; // assembles the capabilities' config fields before getConfig runs
import { getConfig, type Env } from "../../src/kernel/config";
import { buildDeps, type Deps } from "../../src/kernel/deps";
import { createLogger } from "../../src/kernel/log";
import { authenticate } from "../../src/features/sessions/service";
import { findUserByEmail } from "../../src/features/users";
import { envWith } from "../support/api";

export interface RecordedEvent {
  type: string;
  userId: number | null;
  sessionId?: string;
  detail?: Record<string, unknown>;
}

/**
 * The Deps a request would build, for calling the capability's functions directly (it has
 * no routes): events recorded, deferred work collected so a test can wait for it.
 */
export function testDeps(o: { vars?: Record<string, string>; client?: Partial<Deps["client"]> } = {}) {
  const e = (o.vars ? envWith(o.vars) : env) as Env;
  const config = getConfig(e);
  const events: RecordedEvent[] = [];
  const pending: Promise<unknown>[] = [];
  const d = buildDeps(e, config, {
    log: createLogger("test", config.logKey),
    defer: (task) => pending.push(task),
    client: { ip: "203.0.113.7", userAgent: "Mozilla/5.0 (Test) Firefox/130", country: "NZ", ...o.client },
    limit: async () => {},
    sinks: [(_, ev) => events.push({ type: ev.type, userId: ev.userId, sessionId: ev.sessionId, detail: ev.detail as Record<string, unknown> | undefined })],
  });
  return { d, events, settled: () => Promise.all(pending) };
}

export async function userByEmail(email: string) {
  const u = await findUserByEmail(testDeps().d.db, email);
  if (!u) throw new Error(`no user ${email}`);
  return u;
}

/** What the bearer middleware puts in c.get("auth") for this access token. */
export const authOf = (d: Deps, access: string) => authenticate(d, access);

/** Moves a session's sign-in into the past (as if it had been opened `seconds` ago). */
export async function ageSession(sessionId: string, seconds: number) {
  await env.DB.prepare("UPDATE sessions SET created_at = created_at - ?1, auth_time = auth_time - ?1 WHERE id = ?2").bind(seconds * 1000, sessionId).run();
}
