import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, claimsOf, registerUser } from "../support/api";

const refresh = (token: string) => api("/api/token/refresh/", { body: { refresh: token } });
const INVALID = { detail: "Token is invalid or expired", code: "token_not_valid" };

/** Moves a session's last rotation back, as if `seconds` had passed since it. */
async function age(sessionId: string, seconds: number) {
  await env.DB.prepare("UPDATE sessions SET rotated_at = rotated_at - ? WHERE id = ? AND rotated_at IS NOT NULL").bind(seconds * 1000, sessionId).run();
}

describe("refresh rotation with reuse detection", () => {
  it("10 concurrent refreshes of one token all succeed with the same successor, leaving one live family", async () => {
    const u = await registerUser();
    const results = await Promise.all(Array.from({ length: 10 }, () => refresh(u.refresh)));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    const successors = new Set(results.map((r) => r.body.refresh));
    expect(successors.size).toBe(1);
    const sid = claimsOf(u.refresh).sid;
    // One rotation happened, on the one session row; no row per refresh token.
    const session = await env.DB.prepare("SELECT generation, revoked_at FROM sessions WHERE id = ?").bind(sid).first<{ generation: number; revoked_at: number | null }>();
    expect(session).toEqual({ generation: 1, revoked_at: null });
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM refresh_tokens WHERE session_id = ?").bind(sid).first<{ n: number }>();
    expect(rows!.n).toBe(0);
    expect((await refresh([...successors][0]!)).status).toBe(200);
  });

  it("a retired token shown again within the interval gets the same successor (two tabs)", async () => {
    const u = await registerUser();
    const first = await refresh(u.refresh);
    const second = await refresh(u.refresh);
    expect(second.status).toBe(200);
    expect(second.body.refresh).toBe(first.body.refresh);
    expect(second.body.access).toBe(first.body.access);
  });

  it("a late replay revokes the whole family, for the thief and the owner alike", async () => {
    const u = await registerUser();
    const owner = await refresh(u.refresh);
    const sid = claimsOf(u.refresh).sid;
    await age(sid, 11);
    const thief = await refresh(u.refresh);
    expect(thief.status).toBe(401);
    expect(thief.body).toEqual(INVALID);
    // The owner's current tokens die with the family.
    expect((await refresh(owner.body.refresh)).body).toEqual(INVALID);
    expect((await api("/api/user/profile/", { token: owner.body.access })).status).toBe(401);
    const row = await env.DB.prepare("SELECT revoked_reason FROM sessions WHERE id = ?").bind(sid).first<{ revoked_reason: string }>();
    expect(row!.revoked_reason).toBe("refresh_token_reuse");
  });

  it("a replay kills only its own family: other logins of the user live on", async () => {
    const u = await registerUser();
    const other = (await api("/api/token/", { body: { email: u.email, password: u.password } })).body;
    await refresh(u.refresh);
    await age(claimsOf(u.refresh).sid, 60);
    expect((await refresh(u.refresh)).status).toBe(401);
    expect((await refresh(other.refresh)).status).toBe(200);
  });

  it("with BLACKLIST_AFTER_ROTATION off, the old token keeps working as in simplejwt", async () => {
    const vars = { BLACKLIST_AFTER_ROTATION: "false" };
    const u = await registerUser();
    const a = await api("/api/token/refresh/", { body: { refresh: u.refresh }, vars });
    const b = await api("/api/token/refresh/", { body: { refresh: u.refresh }, vars });
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.refresh).not.toBe(b.body.refresh);
  });
});
