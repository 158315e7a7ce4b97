import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import fixture from "../fixtures/simplejwt-tokens.json";
import { api, claimsOf } from "../support/api";

// Tokens minted by a real djangorestframework-simplejwt 5.2.2 with this key (a fixture key, not a secret).
const vars = { JWT_SIGNING_KEY: fixture.settings.SIGNING_KEY };
const valid = fixture.tokens.filter((t) => t.valid);
const invalid = fixture.tokens.filter((t) => !t.valid);

beforeAll(async () => {
  // The users of the Django dump the tokens were minted for (ids 1, 42, 7).
  for (const t of valid) {
    // Created long before the tokens were minted, as the imported Django users were.
    await env.DB.prepare("INSERT OR IGNORE INTO users (id, email, name, tc, password, created_at) VALUES (?, ?, ?, 1, 'bcrypt_sha256$$2b$04$invalidinvalidinvalidinvalidinvalidinvalidinvalidinv', ?)")
      .bind(t.user_id, t.email, `User ${t.user_id}`, Date.parse("2020-01-01T00:00:00Z"))
      .run();
  }
});

describe("tokens minted by simplejwt", () => {
  it("verify at /api/token/verify/ when valid", async () => {
    for (const t of valid) {
      for (const token of [t.access, t.refresh]) {
        const res = await api("/api/token/verify/", { body: { token }, vars });
        expect(res.status, `user ${t.user_id}`).toBe(200);
        expect(res.body).toEqual({});
      }
    }
  });

  it("are refused when invalid (expired, another key, refresh used as access)", async () => {
    for (const t of invalid) {
      const verify = await api("/api/token/verify/", { body: { token: t.access }, vars });
      const profile = await api("/api/user/profile/", { token: t.access, vars });
      expect(profile.status, t.why).toBe(401);
      expect(profile.body.errors.code, t.why).toBe("token_not_valid");
      if (t.why !== "refresh token used as access token") expect(verify.status, t.why).toBe(401);
    }
  });

  it("authenticate as access tokens for the user of that id", async () => {
    for (const t of valid) {
      const res = await api("/api/user/profile/", { token: t.access, vars });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: t.user_id, email: t.email });
    }
  });

  it("refresh once: adopted into a session, then rotated with reuse detection", async () => {
    const t = valid[1]!;
    const first = await api("/api/token/refresh/", { body: { refresh: t.refresh }, vars });
    expect(first.status).toBe(200);
    expect(claimsOf(first.body.access)).toMatchObject({ user_id: t.user_id, token_type: "access" });
    const again = await api("/api/token/refresh/", { body: { refresh: t.refresh }, vars });
    expect(again.body.refresh).toBe(first.body.refresh);
  });

  it("stop authenticating after the user's password changes", async () => {
    const t = valid[2]!;
    await env.DB.prepare("UPDATE users SET password_changed_at = ? WHERE id = ?").bind(Date.now() + 1000, t.user_id).run();
    expect((await api("/api/user/profile/", { token: t.access, vars })).status).toBe(401);
    expect((await api("/api/token/refresh/", { body: { refresh: t.refresh }, vars })).status).toBe(401);
  });
});

describe("tokens minted by the worker", () => {
  it("keep simplejwt's claim layout and header", async () => {
    const email = "layout@example.com";
    const reg = await api("/api/user/register/", { body: { email, name: "L", password: "violet-Harbor-91", password2: "violet-Harbor-91", tc: true }, vars });
    for (const [token, type] of [[reg.body.token.access, "access"], [reg.body.token.refresh, "refresh"]] as const) {
      const [h] = token.split(".");
      expect(JSON.parse(atob(h!))).toEqual({ alg: "HS256", typ: "JWT" });
      const c = claimsOf(token);
      expect(c.token_type).toBe(type);
      expect(typeof c.exp).toBe("number");
      expect(typeof c.iat).toBe("number");
      expect(c.jti).toMatch(/^[0-9a-f]{32}$/);
      expect(Number.isInteger(c.user_id)).toBe(true);
    }
  });
});
