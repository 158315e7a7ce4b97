import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getDb } from "../../src/kernel/storage";
import { startSession } from "../../src/features/sessions/store";
import { api, claimsOf, registerUser, signTestToken } from "../support/api";
import { registerAdmin } from "../support/audit";
import { awayFromStepEdge, codeFor } from "../mfa/helpers";

// Issue 22 item 4: tokens that predate a security change, simplejwt's without a session id included.
const BLACKLISTED = { non_field_errors: ["Token is blacklisted"] };

async function djangoUser() {
  const u = await registerUser();
  const id = claimsOf(u.access).user_id as number;
  await env.DB.prepare("UPDATE users SET created_at = created_at - 3600000 WHERE id = ?").bind(id).run();
  const legacy = (type: "access" | "refresh", iat = Math.floor(Date.now() / 1000) - 600) =>
    signTestToken({ token_type: type, exp: iat + 86400, iat, jti: crypto.randomUUID().replace(/-/g, ""), user_id: id });
  return { ...u, id, legacy };
}

async function expectRefused(access: string, refresh?: string) {
  expect((await api("/api/user/profile/", { token: access })).status).toBe(401);
  const v = await api("/api/token/verify/", { body: { token: access } });
  expect(v.status).toBe(400);
  expect(v.body).toEqual(BLACKLISTED);
  if (refresh) expect((await api("/api/token/refresh/", { body: { refresh } })).status).toBe(401);
}

async function enableMfa(u: { access: string; password: string }) {
  const setup = await api("/api/user/mfa/totp/setup/", { token: u.access, body: { current_password: u.password } });
  await awayFromStepEdge();
  const res = await api("/api/user/mfa/totp/confirm/", { token: u.access, body: { code: await codeFor(setup.body.secret) } });
  expect(res.status).toBe(200);
  return setup.body.secret as string;
}

describe("simplejwt tokens without a session id", () => {
  it("are refused outright for a user with MFA on, whenever minted; the enrolling session stays whole", async () => {
    const u = await djangoUser();
    const before = [await u.legacy("access"), await u.legacy("refresh")] as const;
    expect((await api("/api/user/profile/", { token: before[0] })).status).toBe(200);
    const secret = await enableMfa(u);
    await expectRefused(...before);
    // Refused for the MFA state itself, not only their age: with the account's change times
    // wiped, a token of any date (a Django backend with the shared key) is still refused.
    await env.DB.prepare("UPDATE users SET tokens_valid_after = NULL, password_changed_at = NULL WHERE id = ?").bind(u.id).run();
    await expectRefused(await u.legacy("access"), await u.legacy("refresh"));
    expect((await api("/api/user/profile/", { token: u.access })).status).toBe(200);
    expect((await api("/api/token/refresh/", { body: { refresh: u.refresh } })).status).toBe(200);

    // MFA disabled again: those minted before the change stay dead.
    const off = await api("/api/user/mfa/disable/", { token: u.access, body: { current_password: u.password, code: await codeFor(secret, 1) } });
    expect(off.status).toBe(200);
    await expectRefused(...before);
  });

  it("are refused for an unverified user under mandatory verification, accepted once verified", async () => {
    const u = await djangoUser();
    const access = await u.legacy("access");
    const mandatory = { EMAIL_VERIFICATION: "mandatory" };
    expect((await api("/api/user/profile/", { token: access, vars: mandatory })).status).toBe(401);
    expect((await api("/api/token/verify/", { body: { token: access }, vars: mandatory })).body).toEqual(BLACKLISTED);
    expect((await api("/api/token/refresh/", { body: { refresh: await u.legacy("refresh") }, vars: mandatory })).status).toBe(401);
    await env.DB.prepare("UPDATE users SET email_verified = 1 WHERE id = ?").bind(u.id).run();
    expect((await api("/api/user/profile/", { token: access, vars: mandatory })).status).toBe(200);
  });

  it("issued in the same second as a password change count as issued before it; the account's creation second is fine", async () => {
    const u = await djangoUser();
    const NEW = "an0ther-Long-passphrase";
    expect((await api("/api/user/changepassword/", { token: u.access, body: { password: NEW, password2: NEW, current_password: u.password } })).status).toBe(200);
    const row = (await env.DB.prepare("SELECT password_changed_at AS at, created_at AS created FROM users WHERE id = ?").bind(u.id).first<{ at: number; created: number }>())!;
    await expectRefused(await u.legacy("access", Math.floor(row.at / 1000)));
    expect((await api("/api/user/profile/", { token: await u.legacy("access", Math.floor(row.created / 1000)) })).status).toBe(401);

    const fresh = await registerUser();
    const id = claimsOf(fresh.access).user_id as number;
    const created = (await env.DB.prepare("SELECT created_at AS c FROM users WHERE id = ?").bind(id).first<{ c: number }>())!.c;
    const iat = Math.floor(created / 1000);
    const sameSecond = await signTestToken({ token_type: "access", exp: iat + 300, iat, jti: crypto.randomUUID().replace(/-/g, ""), user_id: id });
    expect((await api("/api/user/profile/", { token: sameSecond })).status).toBe(200);
  });

  it("die with a deactivation, as do the user's session tokens, at once", async () => {
    const u = await djangoUser();
    const legacy = await u.legacy("access");
    const admin = await registerAdmin();
    expect((await api(`/api/admin/users/${u.id}/`, { method: "PATCH", token: admin.access, body: { is_active: false } })).status).toBe(200);
    await expectRefused(u.access, u.refresh);
    await expectRefused(legacy);
    // Reactivated: the tokens from before stay dead.
    expect((await api(`/api/admin/users/${u.id}/`, { method: "PATCH", token: admin.access, body: { is_active: true } })).status).toBe(200);
    await expectRefused(legacy);
  });
});

describe("a session is created only for the account state the login checked", () => {
  it("not when the account was deactivated or got MFA since, nor for an old password version", async () => {
    const u = await registerUser();
    const id = claimsOf(u.access).user_id as number;
    const db = getDb(env.DB);
    const now = new Date();
    const base = { userId: id, now, expiresAt: new Date(now.getTime() + 86_400_000), userAgent: null, country: null };
    const start = (over: { passwordVersion?: number; mfaEnabled?: boolean }) =>
      startSession(db, { ...base, sessionId: crypto.randomUUID(), passwordVersion: 0, mfaEnabled: false, ...over });
    expect(await start({})).toBe(true);
    expect(await start({ passwordVersion: 1 })).toBe(false);
    await env.DB.prepare("UPDATE users SET mfa_enabled = 1 WHERE id = ?").bind(id).run();
    expect(await start({})).toBe(false);
    expect(await start({ mfaEnabled: true })).toBe(true);
    await env.DB.prepare("UPDATE users SET is_active = 0 WHERE id = ?").bind(id).run();
    expect(await start({ mfaEnabled: true })).toBe(false);
  });

  it("a login that read a stale MFA state gets no session (black box: the state changed under the login)", async () => {
    const u = await registerUser();
    const secret = await enableMfa(u);
    expect(secret).toBeTypeOf("string");
    // The login sees MFA and answers an mfa_token, never a pair.
    const res = await api("/api/user/login/", { body: { email: u.email, password: u.password } });
    expect(res.status).toBe(200);
    expect(res.body.mfa_required).toBe(true);
    expect(res.body.token).toBeUndefined();
  });
});
