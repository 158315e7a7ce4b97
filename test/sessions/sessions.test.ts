import { describe, expect, it } from "vitest";
import { api, claimsOf, registerUser } from "../support/api";

const login = async (email: string, password: string, ua: string) =>
  (await api("/api/user/login/", { body: { email, password }, headers: { "user-agent": ua } })).body.token as { access: string; refresh: string };

describe("sessions", () => {
  it("lists the caller's live sessions with the current one marked", async () => {
    const u = await registerUser();
    const phone = await login(u.email, u.password, "Phone/1.0");
    const res = await api("/api/user/sessions/", { token: phone.access });
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(2);
    const current = res.body.find((s: any) => s.current);
    expect(current).toMatchObject({ id: claimsOf(phone.access).sid, user_agent: "Phone/1.0" });
    expect(res.body.filter((s: any) => s.current)).toHaveLength(1);
    for (const s of res.body) expect(Object.keys(s).sort()).toEqual(["country", "created_at", "current", "expires_at", "id", "last_used_at", "user_agent"]);
  });

  it("revokes one of the caller's sessions: its tokens fail at once", async () => {
    const u = await registerUser();
    const other = await login(u.email, u.password, "Laptop");
    const res = await api(`/api/user/sessions/${claimsOf(other.access).sid}/`, { method: "DELETE", token: u.access });
    expect(res.status).toBe(204);
    expect((await api("/api/user/profile/", { token: other.access })).status).toBe(401);
    expect((await api("/api/token/refresh/", { body: { refresh: other.refresh } })).status).toBe(401);
    expect((await api("/api/user/profile/", { token: u.access })).status).toBe(200);
    const again = await api(`/api/user/sessions/${claimsOf(other.access).sid}/`, { method: "DELETE", token: u.access });
    expect(again.status).toBe(404);
  });

  it("answers 404 for another user's session and leaves it alive", async () => {
    const alice = await registerUser();
    const bob = await registerUser();
    const res = await api(`/api/user/sessions/${claimsOf(bob.access).sid}/`, { method: "DELETE", token: alice.access });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ errors: { detail: "Not found.", code: "not_found" } });
    const unknown = await api(`/api/user/sessions/${"0".repeat(32)}/`, { method: "DELETE", token: alice.access });
    expect(unknown.body).toEqual(res.body);
    expect((await api("/api/user/profile/", { token: bob.access })).status).toBe(200);
    const list = await api("/api/user/sessions/", { token: alice.access });
    expect(list.body.map((s: any) => s.id)).not.toContain(claimsOf(bob.access).sid);
  });

  it("logout-all revokes every session, or all but the current one", async () => {
    const u = await registerUser();
    const a = await login(u.email, u.password, "A");
    const b = await login(u.email, u.password, "B");
    const keep = await api("/api/user/logout-all/", { token: a.access, body: { keep_current: true } });
    expect(keep.status).toBe(200);
    expect(keep.body.revoked).toBe(2);
    expect((await api("/api/user/profile/", { token: a.access })).status).toBe(200);
    expect((await api("/api/user/profile/", { token: b.access })).status).toBe(401);
    expect((await api("/api/user/profile/", { token: u.access })).status).toBe(401);
    const all = await api("/api/user/logout-all/", { token: a.access, body: {} });
    expect(all.body.revoked).toBe(1);
    expect((await api("/api/user/profile/", { token: a.access })).status).toBe(401);
    expect((await api("/api/token/refresh/", { body: { refresh: a.refresh } })).status).toBe(401);
  });

  it("requires authentication", async () => {
    expect((await api("/api/user/sessions/")).status).toBe(401);
    expect((await api("/api/user/logout-all/", { body: {} })).status).toBe(401);
  });
});
