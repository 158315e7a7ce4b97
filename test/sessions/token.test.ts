import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, claimsOf, registerUser, signTestToken, uniqueEmail } from "../support/api";

const INVALID = { detail: "Token is invalid or expired", code: "token_not_valid" };
const WRONG_TYPE = { detail: "Token has wrong type", code: "token_not_valid" };

describe("POST /api/token/", () => {
  it("answers a bare pair with simplejwt's claim layout", async () => {
    const u = await registerUser();
    const res = await api("/api/token/", { body: { email: u.email, password: u.password } });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(["access", "refresh"]);
    const header = JSON.parse(atob(res.body.access.split(".")[0]));
    expect(header).toMatchObject({ alg: "HS256", typ: "JWT" });
    const c = claimsOf(res.body.access);
    expect(c).toMatchObject({ token_type: "access", user_id: claimsOf(u.access).user_id });
    expect(c.jti).toMatch(/^[0-9a-f]{32}$/);
    expect(c.exp - c.iat).toBe(300);
    const r = claimsOf(res.body.refresh);
    expect(r.exp - r.iat).toBe(86400);
  });

  it("answers simplejwt's unwrapped 401 for bad credentials", async () => {
    const u = await registerUser();
    for (const body of [{ email: u.email, password: "wrong-password-1" }, { email: uniqueEmail(), password: "whatever-123" }]) {
      const res = await api("/api/token/", { body });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ detail: "No active account found with the given credentials" });
    }
  });

  it("answers unwrapped field errors", async () => {
    const res = await api("/api/token/", { body: { email: "a@b.co" } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ password: ["This field is required."] });
  });

  it("adds iss and aud when configured, and refuses tokens without them", async () => {
    const vars = { JWT_ISSUER: "https://auth.example.com", JWT_AUDIENCE: "web" };
    const u = await registerUser();
    const res = await api("/api/token/", { body: { email: u.email, password: u.password }, vars });
    expect(claimsOf(res.body.access)).toMatchObject({ iss: vars.JWT_ISSUER, aud: vars.JWT_AUDIENCE });
    expect((await api("/api/token/verify/", { body: { token: res.body.access }, vars })).status).toBe(200);
    expect((await api("/api/token/verify/", { body: { token: u.access }, vars })).status).toBe(401);
  });
});

describe("POST /api/token/refresh/", () => {
  it("rotates: a new pair, and the old refresh token is retired", async () => {
    const u = await registerUser();
    const res = await api("/api/token/refresh/", { body: { refresh: u.refresh } });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(["access", "refresh"]);
    expect(res.body.refresh).not.toBe(u.refresh);
    expect(claimsOf(res.body.access).sid).toBe(claimsOf(u.access).sid);
    expect((await api("/api/user/profile/", { token: res.body.access })).status).toBe(200);
    const next = await api("/api/token/refresh/", { body: { refresh: res.body.refresh } });
    expect(next.status).toBe(200);
  });

  it("answers only an access token when rotation is off", async () => {
    const vars = { ROTATE_REFRESH_TOKENS: "false" };
    const u = await registerUser();
    const res = await api("/api/token/refresh/", { body: { refresh: u.refresh }, vars });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(["access"]);
    expect((await api("/api/token/refresh/", { body: { refresh: u.refresh }, vars })).status).toBe(200);
  });

  it("refuses an access token with 'wrong type'", async () => {
    const u = await registerUser();
    const res = await api("/api/token/refresh/", { body: { refresh: u.access } });
    expect(res.status).toBe(401);
    expect(res.body).toEqual(WRONG_TYPE);
  });

  it("refuses garbage, expired and foreign tokens", async () => {
    const u = await registerUser();
    const now = Math.floor(Date.now() / 1000);
    const expired = await signTestToken({ ...claimsOf(u.refresh), iat: now - 90000, exp: now - 10 });
    const foreign = await signTestToken(claimsOf(u.refresh), "a-completely-different-key-of-sufficient-length");
    for (const refresh of ["garbage", expired, foreign, ""]) {
      const res = await api("/api/token/refresh/", { body: { refresh } });
      expect(res.status, refresh).toBe(refresh === "" ? 400 : 401);
      if (refresh) expect(res.body).toEqual(INVALID);
    }
  });

  it("refuses a validly signed refresh token the worker never issued", async () => {
    const u = await registerUser();
    const forged = await signTestToken({ ...claimsOf(u.refresh), jti: "0".repeat(32) });
    expect((await api("/api/token/refresh/", { body: { refresh: forged } })).body).toEqual(INVALID);
  });
});

describe("POST /api/token/verify/", () => {
  it("answers {} for a valid token of either type", async () => {
    const u = await registerUser();
    for (const token of [u.access, u.refresh]) {
      const res = await api("/api/token/verify/", { body: { token } });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({});
    }
  });

  it("refuses an invalid token and a missing field", async () => {
    expect((await api("/api/token/verify/", { body: { token: "x.y.z" } })).body).toEqual(INVALID);
    const missing = await api("/api/token/verify/", { body: {} });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ token: ["This field is required."] });
  });

  it("a token verified once still expires on time (the verification cache keeps no expired token alive)", async () => {
    const u = await registerUser();
    const now = Math.floor(Date.now() / 1000);
    const short = await signTestToken({ ...claimsOf(u.access), iat: now, exp: now + 2 });
    expect((await api("/api/token/verify/", { body: { token: short } })).status).toBe(200);
    expect((await api("/api/user/profile/", { token: short })).status).toBe(200);
    await new Promise((r) => setTimeout(r, (now + 2 - Date.now() / 1000) * 1000 + 50));
    expect((await api("/api/token/verify/", { body: { token: short } })).body).toEqual(INVALID);
    expect((await api("/api/user/profile/", { token: short })).status).toBe(401);
  });

  it("applies LEEWAY to exp and to a future iat", async () => {
    const u = await registerUser();
    const now = Math.floor(Date.now() / 1000);
    const justExpired = await signTestToken({ ...claimsOf(u.access), exp: now - 5 });
    const slightlyFuture = await signTestToken({ ...claimsOf(u.access), iat: now + 5, exp: now + 300 });
    expect((await api("/api/token/verify/", { body: { token: justExpired } })).status).toBe(401);
    expect((await api("/api/token/verify/", { body: { token: slightlyFuture } })).status).toBe(401);
    const vars = { LEEWAY: "30" };
    expect((await api("/api/token/verify/", { body: { token: justExpired }, vars })).status).toBe(200);
    expect((await api("/api/token/verify/", { body: { token: slightlyFuture }, vars })).status).toBe(200);
  });
});

describe("POST /api/token/blacklist/", () => {
  it("logs out: the refresh token and its session's access token stop working", async () => {
    const u = await registerUser();
    const res = await api("/api/token/blacklist/", { body: { refresh: u.refresh } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({});
    expect((await api("/api/token/refresh/", { body: { refresh: u.refresh } })).body).toEqual(INVALID);
    expect((await api("/api/user/profile/", { token: u.access })).status).toBe(401);
    expect((await api("/api/token/blacklist/", { body: { refresh: u.refresh } })).status).toBe(401);
  });

  it("leaves the user's other sessions alone", async () => {
    const u = await registerUser();
    const other = (await api("/api/token/", { body: { email: u.email, password: u.password } })).body;
    await api("/api/token/blacklist/", { body: { refresh: u.refresh } });
    expect((await api("/api/token/refresh/", { body: { refresh: other.refresh } })).status).toBe(200);
  });

  it("refuses an access token", async () => {
    const u = await registerUser();
    expect((await api("/api/token/blacklist/", { body: { refresh: u.access } })).body).toEqual(WRONG_TYPE);
  });
});

describe("refresh records", () => {
  it("hold a hash of the jti, never the token or the jti", async () => {
    const u = await registerUser();
    const { jti } = claimsOf(u.refresh);
    const rows = await env.DB.prepare("SELECT * FROM refresh_tokens").all();
    const dump = JSON.stringify(rows.results);
    expect(dump).not.toContain(jti);
    expect(dump).not.toContain(u.refresh.split(".")[2]);
  });
});
