import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, claimsOf, registerUser, signTestToken } from "../support/api";

/**
 * Tokens as simplejwt minted them before the move: no session id. Made here for fresh
 * users whose accounts are dated an hour back, as an imported Django user's would be.
 */
async function djangoUser() {
  const u = await registerUser();
  const id = claimsOf(u.access).user_id as number;
  await env.DB.prepare("UPDATE users SET created_at = created_at - 3600000 WHERE id = ?").bind(id).run();
  const iat = Math.floor(Date.now() / 1000) - 600;
  const legacy = (type: "access" | "refresh", minted = iat) =>
    signTestToken({ token_type: type, exp: minted + 86400, iat: minted, jti: crypto.randomUUID().replace(/-/g, ""), user_id: id });
  return { ...u, id, legacy };
}

describe("simplejwt tokens from before the move", () => {
  it("are refused when minted before the account existed (a reused id of a deleted Django user)", async () => {
    const u = await djangoUser();
    const beforeAccount = Math.floor(Date.now() / 1000) - 7200;
    const access = await u.legacy("access", beforeAccount);
    expect((await api("/api/user/profile/", { token: access })).status).toBe(401);
    expect((await api("/api/token/refresh/", { body: { refresh: await u.legacy("refresh", beforeAccount) } })).status).toBe(401);
    expect((await api("/api/token/verify/", { body: { token: access } })).status).toBe(400);
    // Minted after it: accepted.
    expect((await api("/api/user/profile/", { token: await u.legacy("access") })).status).toBe(200);
  });

  it("blacklisting one adopts and revokes it: it cannot refresh afterwards", async () => {
    const u = await djangoUser();
    const refresh = await u.legacy("refresh");
    const res = await api("/api/token/blacklist/", { body: { refresh } });
    expect(res.status).toBe(200);
    expect((await api("/api/token/refresh/", { body: { refresh } })).status).toBe(401);
    expect((await api("/api/token/verify/", { body: { token: refresh } })).body).toEqual({ non_field_errors: ["Token is blacklisted"] });
  });

  it("logout-all kills them too, access and refresh, though they have no session", async () => {
    const u = await djangoUser();
    const [access, refresh] = [await u.legacy("access"), await u.legacy("refresh")];
    expect((await api("/api/user/profile/", { token: access })).status).toBe(200);
    expect((await api("/api/user/logout-all/", { token: u.access, body: {} })).status).toBe(200);
    expect((await api("/api/user/profile/", { token: access })).status).toBe(401);
    expect((await api("/api/token/refresh/", { body: { refresh } })).status).toBe(401);
    expect((await api("/api/token/verify/", { body: { token: access } })).status).toBe(400);
  });
});
