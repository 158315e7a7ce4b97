import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, claimsOf, GOOD_PASSWORD, registerUser } from "../support/api";

/** The real D1 binding, recording what every withSession() of the worker asked for. */
function recordingD1() {
  const asked: string[] = [];
  const db = new Proxy(env.DB, {
    get(target, prop) {
      if (prop === "withSession") return (c?: string) => (asked.push(c ?? "(none)"), target.withSession(c));
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { db, asked };
}

const kind = (c: string) => (c === "first-primary" || c === "first-unconstrained" ? c : "bookmark");

describe("every D1 access goes through a session with the route's declared consistency", () => {
  it("tokens carry the bookmark of the write that created their session, unchanged through a rotation", async () => {
    const u = await registerUser();
    const bm = claimsOf(u.access).bm;
    expect(typeof bm).toBe("string");
    expect(claimsOf(u.refresh).bm).toBe(bm);
    const next = await api("/api/token/refresh/", { body: { refresh: u.refresh } });
    expect(claimsOf(next.body.refresh).bm).toBe(bm);
    expect(claimsOf(next.body.access).bm).toBe(bm);
  });

  it("strict (default): profile and verify check revocation on the primary", async () => {
    const u = await registerUser();
    for (const call of [
      (DB: D1Database) => api("/api/user/profile/", { token: u.access, bindings: { DB } }),
      (DB: D1Database) => api("/api/token/verify/", { body: { token: u.access }, bindings: { DB } }),
    ]) {
      const r = recordingD1();
      expect((await call(r.db)).status).toBe(200);
      expect(r.asked).toEqual(["first-primary"]);
    }
  });

  it("REVOCATION_CONSISTENCY=replica: profile and verify read a replica starting at the token's bookmark", async () => {
    const u = await registerUser();
    const vars = { REVOCATION_CONSISTENCY: "replica" };
    for (const call of [
      (DB: D1Database) => api("/api/user/profile/", { token: u.access, bindings: { DB }, vars }),
      (DB: D1Database) => api("/api/token/verify/", { body: { token: u.access }, bindings: { DB }, vars }),
    ]) {
      const r = recordingD1();
      expect((await call(r.db)).status).toBe(200);
      expect(r.asked).toEqual([claimsOf(u.access).bm]);
    }
  });

  it("login reads the nearest copy and writes its session on the primary; a refusal first re-reads the primary", async () => {
    const u = await registerUser();
    const ok = recordingD1();
    expect((await api("/api/user/login/", { body: { email: u.email, password: GOOD_PASSWORD }, bindings: { DB: ok.db } })).status).toBe(200);
    expect(ok.asked.map(kind)).toEqual(["first-unconstrained"]);
    const wrong = recordingD1();
    expect((await api("/api/user/login/", { body: { email: u.email, password: "not-the-password-1" }, bindings: { DB: wrong.db } })).status).toBe(401);
    expect(wrong.asked).toEqual(["first-unconstrained", "first-primary"]);
  });

  it("refresh, change password and the reset request are primary-only", async () => {
    const u = await registerUser();
    const r = recordingD1();
    expect((await api("/api/token/refresh/", { body: { refresh: u.refresh }, bindings: { DB: r.db } })).status).toBe(200);
    expect((await api("/api/user/changepassword/", { token: u.access, body: { password: "Quiet-Lantern-77", password2: "Quiet-Lantern-77", current_password: GOOD_PASSWORD }, bindings: { DB: r.db } })).status).toBe(200);
    // Change password opens a second primary session for the current-password budget, so the
    // read sees every failure committed so far (a first-primary session may move to a replica).
    expect(r.asked).toEqual(["first-primary", "first-primary", "first-primary"]);
  });
});
