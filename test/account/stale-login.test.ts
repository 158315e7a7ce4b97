import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, claimsOf, registerUser } from "../support/api";

/**
 * D1 as a login sees it when a change lands right after its read of the account (a stale
 * replica, or a race on the primary): the first users-by-email read answers, then `change`
 * runs on the real database before the login goes on.
 */
function changedAfterFirstRead(change: () => Promise<unknown>): D1Database {
  let fired = false;
  const stmt = (real: D1PreparedStatement, sql: string): D1PreparedStatement =>
    new Proxy(real, {
      get(target, prop) {
        if (prop === "bind") return (...v: unknown[]) => stmt(target.bind(...v), sql);
        const value = Reflect.get(target, prop, target);
        if (typeof value !== "function") return value;
        if (["run", "all", "first", "raw"].includes(prop as string) && !fired && /from "users"/.test(sql) && /lower\("users"\."email"\)/.test(sql)) {
          return async (...args: unknown[]) => {
            const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
            fired = true;
            await change();
            return result;
          };
        }
        return value.bind(target);
      },
    });
  const wrap = <T extends D1Database | D1DatabaseSession>(real: T): T =>
    new Proxy(real, {
      get(target, prop) {
        if (prop === "prepare") return (q: string) => stmt(target.prepare(q), q);
        if (prop === "withSession") return (c?: string) => wrap((target as D1Database).withSession(c));
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  return wrap(env.DB);
}

const sessionsOf = async (id: number) => (await env.DB.prepare("SELECT count(*) AS n FROM sessions WHERE user_id = ?").bind(id).first<{ n: number }>())!.n;

// Issue 22 item 4: a login cannot outlive the change it missed.
describe("a login whose read of the account went stale", () => {
  it("gets no session when the account was deactivated meanwhile", async () => {
    const u = await registerUser();
    const id = claimsOf(u.access).user_id as number;
    const before = await sessionsOf(id);
    const DB = changedAfterFirstRead(() => env.DB.prepare("UPDATE users SET is_active = 0 WHERE id = ?").bind(id).run());
    const res = await api("/api/user/login/", { body: { email: u.email, password: u.password }, bindings: { DB } });
    expect(res.status).toBe(401);
    expect(await sessionsOf(id)).toBe(before);
  });

  it("gets the second step, not a pair, when MFA was enabled meanwhile", async () => {
    const u = await registerUser();
    const id = claimsOf(u.access).user_id as number;
    const before = await sessionsOf(id);
    const DB = changedAfterFirstRead(() => env.DB.prepare("UPDATE users SET mfa_enabled = 1 WHERE id = ?").bind(id).run());
    const res = await api("/api/user/login/", { body: { email: u.email, password: u.password }, bindings: { DB } });
    expect(res.status).toBe(200);
    expect(res.body.token).toBeUndefined();
    expect(res.body.mfa_required).toBe(true);
    expect(await sessionsOf(id)).toBe(before);
  });
});
