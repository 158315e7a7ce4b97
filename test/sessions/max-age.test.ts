import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, GOOD_PASSWORD, registerUser } from "../support/api";

const vars = { SESSION_MAX_AGE: "3600" };

describe("SESSION_MAX_AGE", () => {
  it("a session older than it is not refreshed, however recently it was rotated", async () => {
    const u = await registerUser();
    const login = await api("/api/user/login/", { body: { email: u.email, password: GOOD_PASSWORD }, vars });
    const first = await api("/api/token/refresh/", { body: { refresh: login.body.token.refresh }, vars });
    expect(first.status).toBe(200);
    // Two hours old, though rotated a moment ago.
    await env.DB.prepare("UPDATE sessions SET created_at = created_at - 7200000 WHERE user_id = (SELECT id FROM users WHERE email = ?)").bind(u.email).run();
    const late = await api("/api/token/refresh/", { body: { refresh: first.body.refresh }, vars });
    expect(late.status).toBe(401);
    expect(late.body).toEqual({ detail: "Token is invalid or expired", code: "token_not_valid" });
    // Unset (the default, as simplejwt): the same old session still refreshes.
    expect((await api("/api/token/refresh/", { body: { refresh: first.body.refresh } })).status).toBe(200);
  });
});
