import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, registerUser } from "../support/api";

const BLACKLISTED = { non_field_errors: ["Token is blacklisted"] };
const verify = (token: string) => api("/api/token/verify/", { body: { token } });

describe("verify honours revocation, as simplejwt's blacklist app does", () => {
  it("live tokens verify", async () => {
    const u = await registerUser();
    for (const token of [u.access, u.refresh]) expect((await verify(token)).body).toEqual({});
  });

  it("a blacklisted refresh token, and the access token of its session, answer 400 Token is blacklisted", async () => {
    const u = await registerUser();
    expect((await api("/api/token/blacklist/", { body: { refresh: u.refresh } })).status).toBe(200);
    for (const token of [u.refresh, u.access]) {
      const res = await verify(token);
      expect(res.status).toBe(400);
      expect(res.body).toEqual(BLACKLISTED);
    }
  });

  it("a refresh token retired by rotation verifies within the reuse window and is blacklisted after it", async () => {
    const u = await registerUser();
    const rotated = await api("/api/token/refresh/", { body: { refresh: u.refresh } });
    expect(rotated.status).toBe(200);
    expect((await verify(u.refresh)).status).toBe(200);
    // Past REFRESH_REUSE_INTERVAL: move the retirement a minute back rather than wait.
    await env.DB.prepare("UPDATE sessions SET rotated_at = rotated_at - 60000 WHERE rotated_at IS NOT NULL AND user_id = (SELECT id FROM users WHERE email = ?)")
      .bind(u.email)
      .run();
    expect((await verify(u.refresh)).body).toEqual(BLACKLISTED);
    expect((await verify(rotated.body.refresh)).body).toEqual({});
  });

  it("logout-all: every access and refresh token of the user is blacklisted at verify", async () => {
    const u = await registerUser();
    expect((await api("/api/user/logout-all/", { token: u.access, body: {} })).status).toBe(200);
    for (const token of [u.access, u.refresh]) expect((await verify(token)).body).toEqual(BLACKLISTED);
  });

  it("bad tokens still answer 401, as before", async () => {
    const res = await verify("not-a-token");
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ detail: "Token is invalid or expired", code: "token_not_valid" });
  });
});
