import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, claimsOf, registerUser, signTestToken } from "../support/api";

const refresh = (token: string) => api("/api/token/refresh/", { body: { refresh: token } });

/** SHA-256 hex, as the worker keys refresh_tokens by the hash of the jti. */
async function jtiKey(jti: string) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`jti:${jti}`));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * A refresh token as the worker issued them before sessions had generations: a session id,
 * a random jti, and a refresh_tokens row by the hash of that jti; the session row as the
 * migration left it (generation 0, never rotated).
 */
async function preGenerationToken() {
  const u = await registerUser();
  const userId = claimsOf(u.access).user_id as number;
  const sid = crypto.randomUUID().replace(/-/g, "");
  const jti = crypto.randomUUID().replace(/-/g, "");
  const now = Date.now();
  const iat = Math.floor(now / 1000);
  await env.DB.batch([
    env.DB.prepare("INSERT INTO sessions (id, user_id, created_at, last_used_at, expires_at) VALUES (?, ?, ?, ?, ?)").bind(sid, userId, now, now, now + 86_400_000),
    env.DB.prepare("INSERT INTO refresh_tokens (jti_hash, session_id, user_id, issued_at, expires_at) VALUES (?, ?, ?, ?, ?)").bind(await jtiKey(jti), sid, userId, now, now + 86_400_000),
  ]);
  const token = await signTestToken({ token_type: "refresh", exp: iat + 86400, iat, jti, user_id: userId, sid });
  return { token, sid, userId };
}

describe("refresh tokens issued before sessions had generations", () => {
  it("keep working: the first refresh moves the session to a generation and answers a token of the new scheme", async () => {
    const old = await preGenerationToken();
    const session = await env.DB.prepare("SELECT generation, rotated_at, refreshable FROM sessions WHERE id = ?").bind(old.sid).first();
    expect(session).toEqual({ generation: 0, rotated_at: null, refreshable: 1 });

    const first = await refresh(old.token);
    expect(first.status).toBe(200);
    expect(claimsOf(first.body.refresh)).toMatchObject({ sid: old.sid, gen: 1, user_id: old.userId });
    // A second tab within the window gets the same successor; the new token rotates on.
    expect((await refresh(old.token)).body).toEqual(first.body);
    const next = await refresh(first.body.refresh);
    expect(claimsOf(next.body.refresh).gen).toBe(2);
  });

  it("a late replay of one revokes its session, as before", async () => {
    const old = await preGenerationToken();
    const first = await refresh(old.token);
    await env.DB.batch([
      env.DB.prepare("UPDATE refresh_tokens SET rotated_at = rotated_at - 60000 WHERE session_id = ?").bind(old.sid),
      env.DB.prepare("UPDATE sessions SET rotated_at = rotated_at - 60000 WHERE id = ?").bind(old.sid),
    ]);
    expect((await refresh(old.token)).status).toBe(401);
    expect((await refresh(first.body.refresh)).status).toBe(401);
    const row = await env.DB.prepare("SELECT revoked_reason FROM sessions WHERE id = ?").bind(old.sid).first<{ revoked_reason: string }>();
    expect(row!.revoked_reason).toBe("refresh_token_reuse");
  });

  it("verify and blacklist honour them", async () => {
    const old = await preGenerationToken();
    expect((await api("/api/token/verify/", { body: { token: old.token } })).body).toEqual({});
    expect((await api("/api/token/blacklist/", { body: { refresh: old.token } })).status).toBe(200);
    expect((await api("/api/token/verify/", { body: { token: old.token } })).body).toEqual({ non_field_errors: ["Token is blacklisted"] });
    expect((await refresh(old.token)).status).toBe(401);
  });
});

describe("refresh tokens of the new scheme", () => {
  it("a validly signed token with a generation the worker never minted (wrong jti) is refused", async () => {
    const u = await registerUser();
    const claims = claimsOf(u.refresh);
    expect(claims.gen).toBe(0);
    const forged = await signTestToken({ ...claims, gen: 1 });
    expect((await refresh(forged)).status).toBe(401);
    expect((await api("/api/token/verify/", { body: { token: forged } })).status).toBe(401);
  });
});
