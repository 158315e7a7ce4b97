import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { api, claimsOf, randomIp, registerUser } from "../support/api";
import { installMailbox, linkFrom } from "../support/mailbox";
import { awayFromStepEdge, codeFor, enrolledUser, mfaToken } from "./helpers";

const INVALID_CODE = { errors: { code: ["Invalid code"] } };
const INVALID_RECOVERY = { errors: { recovery_code: ["Invalid code"] } };
const DEAD_TOKEN = { errors: { detail: "Token is invalid or expired", code: "token_not_valid" } };

const verify = (body: Record<string, unknown>, headers?: Record<string, string>) => api("/api/user/mfa/verify/", { body, headers });

describe("login with MFA", () => {
  it("login answers mfa_required and an mfa_token, and no token pair", async () => {
    const u = await enrolledUser();
    const res = await api("/api/user/login/", { body: { email: u.email, password: u.password } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ mfa_required: true, mfa_token: expect.any(String), msg: "Two-factor authentication required" });
    expect(res.body.mfa_token.length).toBeGreaterThanOrEqual(43);
    // A wrong password is the usual 401, MFA or not.
    const wrong = await api("/api/user/login/", { body: { email: u.email, password: "wrong-password-1" } });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ errors: { non_field_errors: ["Email or Password is not Valid"] } });
    // The mfa_token is stored only as a hash.
    const rows = await env.DB.prepare("select id_hash from mfa_challenges where user_id = ?").bind(u.userId).all<{ id_hash: string }>();
    expect(rows.results.map((r) => r.id_hash)).not.toContain(res.body.mfa_token);
  });

  it("/api/token/ answers mfa_required (no msg) and no pair", async () => {
    const u = await enrolledUser();
    const res = await api("/api/token/", { body: { email: u.email, password: u.password } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ mfa_required: true, mfa_token: expect.any(String) });
    await awayFromStepEdge();
    const ok = await verify({ mfa_token: res.body.mfa_token, code: await codeFor(u.secret, 1) });
    expect(ok.status).toBe(200);
  });

  it("verify exchanges the mfa_token and a TOTP code for a pair whose access token carries amr", async () => {
    const u = await enrolledUser();
    const token = await mfaToken(u.email, u.password);
    await awayFromStepEdge();
    const res = await verify({ mfa_token: token, code: await codeFor(u.secret, 1) });
    expect(res.status).toBe(200);
    expect(res.body.msg).toBe("Login Success");
    const claims = claimsOf(res.body.token.access);
    expect(claims.amr).toEqual(["pwd", "otp"]);
    expect(claims.user_id).toBe(u.userId);
    expect(claimsOf(res.body.token.refresh).amr).toBeUndefined();
    expect((await api("/api/user/profile/", { token: res.body.token.access })).body).toMatchObject({ email: u.email, mfa_enabled: true });
    // Spent by its success.
    const again = await verify({ mfa_token: token, code: await codeFor(u.secret, 1) });
    expect(again.status).toBe(401);
    expect(again.body).toEqual(DEAD_TOKEN);
    // amr and auth_time belong to the session: refreshed access tokens carry them unchanged.
    expect(claims.auth_time).toBe(claims.iat);
    const refreshed = await api("/api/token/refresh/", { body: { refresh: res.body.token.refresh } });
    expect(claimsOf(refreshed.body.access).amr).toEqual(["pwd", "otp"]);
    expect(claimsOf(refreshed.body.access).auth_time).toBe(claims.auth_time);
  });

  it("refuses a replayed step, accepts one step either side, nothing further", async () => {
    // Enrolled with the previous step's code: the window reaches back one step.
    const u = await enrolledUser(-1);
    await awayFromStepEdge();
    const t1 = await mfaToken(u.email, u.password);
    // Two steps away either side: refused.
    expect((await verify({ mfa_token: t1, code: await codeFor(u.secret, 2) })).body).toEqual(INVALID_CODE);
    expect((await verify({ mfa_token: t1, code: await codeFor(u.secret, -2) })).body).toEqual(INVALID_CODE);
    // The step used by the confirmation: a replay.
    expect((await verify({ mfa_token: t1, code: await codeFor(u.secret, -1) })).body).toEqual(INVALID_CODE);
    // Current step: accepted once.
    const now = await codeFor(u.secret, 0);
    expect((await verify({ mfa_token: t1, code: now })).status).toBe(200);
    const t2 = await mfaToken(u.email, u.password);
    expect((await verify({ mfa_token: t2, code: now })).body).toEqual(INVALID_CODE);
    // Next step: accepted.
    expect((await verify({ mfa_token: t2, code: await codeFor(u.secret, 1) })).status).toBe(200);
  });

  it("the mfa_token dies after 5 wrong codes, even for the right one", async () => {
    const u = await enrolledUser();
    const token = await mfaToken(u.email, u.password);
    for (let i = 0; i < 5; i++) {
      const res = await verify({ mfa_token: token, code: String(100000 + i) });
      expect(res.status).toBe(400);
      expect(res.body).toEqual(INVALID_CODE);
    }
    await awayFromStepEdge();
    const dead = await verify({ mfa_token: token, code: await codeFor(u.secret, 1) });
    expect(dead.status).toBe(401);
    expect(dead.body).toEqual(DEAD_TOKEN);
    // A new login gets a new token that works.
    const fresh = await verify({ mfa_token: await mfaToken(u.email, u.password), code: await codeFor(u.secret, 1) });
    expect(fresh.status).toBe(200);
  });

  it("an unknown or expired mfa_token is a 401", async () => {
    const u = await enrolledUser();
    expect((await verify({ mfa_token: "not-a-token", code: "123456" })).body).toEqual(DEAD_TOKEN);
    const token = await mfaToken(u.email, u.password);
    await env.DB.prepare("update mfa_challenges set expires_at = ? where user_id = ?").bind(Date.now() - 1, u.userId).run();
    await awayFromStepEdge();
    const res = await verify({ mfa_token: token, code: await codeFor(u.secret, 1) });
    expect(res.status).toBe(401);
    expect(res.body).toEqual(DEAD_TOKEN);
  });

  it("a recovery code works once, and its access token says so in amr", async () => {
    const u = await enrolledUser();
    const [first] = u.recoveryCodes;
    const res = await verify({ mfa_token: await mfaToken(u.email, u.password), recovery_code: first!.toUpperCase() });
    expect(res.status).toBe(200);
    expect(claimsOf(res.body.token.access).amr).toEqual(["pwd", "recovery_code"]);
    const again = await verify({ mfa_token: await mfaToken(u.email, u.password), recovery_code: first });
    expect(again.status).toBe(400);
    expect(again.body).toEqual(INVALID_RECOVERY);
    expect((await api("/api/user/mfa/", { token: res.body.token.access })).body).toEqual({ totp: true, recovery_codes_left: 9 });
    // Every other code works, each once.
    for (const code of u.recoveryCodes.slice(1, 4)) {
      expect((await verify({ mfa_token: await mfaToken(u.email, u.password), recovery_code: code })).status).toBe(200);
    }
    const wrong = await verify({ mfa_token: await mfaToken(u.email, u.password), recovery_code: "aaaa-bbbb-cccc-dddd" });
    expect(wrong.body).toEqual(INVALID_RECOVERY);
  });

  it("verify needs a code or a recovery code", async () => {
    const u = await enrolledUser();
    const token = await mfaToken(u.email, u.password);
    const res = await verify({ mfa_token: token });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ errors: { code: ["This field is required."] } });
    expect((await verify({ code: "123456" })).body).toEqual({ errors: { mfa_token: ["This field is required."] } });
  });

  it("two racing verifies of one mfa_token: exactly one gets a pair", async () => {
    const u = await enrolledUser();
    await awayFromStepEdge();
    const token = await mfaToken(u.email, u.password);
    const b = await codeFor(u.secret, 1);
    const same = await Promise.all([verify({ mfa_token: token, code: b }), verify({ mfa_token: token, code: b })]);
    expect(same.filter((r) => r.status === 200)).toHaveLength(1);
    const t2 = await mfaToken(u.email, u.password);
    const codes = await Promise.all([verify({ mfa_token: t2, recovery_code: u.recoveryCodes[0] }), verify({ mfa_token: t2, recovery_code: u.recoveryCodes[1] })]);
    expect(codes.filter((r) => r.status === 200)).toHaveLength(1);
    expect(codes.find((r) => r.status !== 200)!.body).toEqual(DEAD_TOKEN);
  });

  it("verify is throttled per user, from any address", async () => {
    const u = await enrolledUser();
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const token = await mfaToken(u.email, u.password);
      for (let j = 0; j < 4; j++) statuses.push((await verify({ mfa_token: token, code: "000000" }, { "cf-connecting-ip": randomIp() })).status);
    }
    // 10 wrong codes per account (15 minutes), then 429 (test/mfa/account-budget.test.ts).
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(400));
    expect(statuses[10]).toBe(429);
  });

  it("key rotation: with a new key first, old secrets still verify and move to the new key at their next use", async () => {
    const u = await enrolledUser();
    const stored = () => env.DB.prepare("select secret from mfa_factors where user_id = ?").bind(u.userId).first<string>("secret");
    const before = (await stored())!;
    const NEW = "rotated-mfa-encryption-key-0123456789-abcdefghij";
    const vars = { MFA_ENCRYPTION_KEY: `${NEW},${env.MFA_ENCRYPTION_KEY}` };
    const login = await api("/api/user/login/", { body: { email: u.email, password: u.password }, vars });
    await awayFromStepEdge();
    const res = await api("/api/user/mfa/verify/", { body: { mfa_token: login.body.mfa_token, code: await codeFor(u.secret, 1) }, vars });
    expect(res.status).toBe(200);
    const after = (await stored())!;
    expect(after.split(".")[1]).not.toBe(before.split(".")[1]);
    // The old key alone no longer opens it: a 503, never a login without the second factor.
    const t = await mfaToken(u.email, u.password);
    expect((await verify({ mfa_token: t, code: await codeFor(u.secret, 1) })).status).toBe(503);
    // With the new key it does (the step used above stays used).
    const t2 = (await api("/api/user/login/", { body: { email: u.email, password: u.password }, vars })).body.mfa_token;
    expect((await api("/api/user/mfa/verify/", { body: { mfa_token: t2, code: await codeFor(u.secret, 1) }, vars })).body).toEqual(INVALID_CODE);
    expect((await api("/api/user/mfa/verify/", { body: { mfa_token: t2, recovery_code: u.recoveryCodes[0] }, vars })).status).toBe(200);
  });

  it("without MFA_ENCRYPTION_KEY a user with MFA cannot log in at all", async () => {
    const u = await enrolledUser();
    const vars = { MFA_ENCRYPTION_KEY: "" };
    expect((await api("/api/user/login/", { body: { email: u.email, password: u.password }, vars })).status).toBe(503);
    expect((await api("/api/token/", { body: { email: u.email, password: u.password }, vars })).status).toBe(503);
  });

  describe("with the mailbox", () => {
    let mailbox: ReturnType<typeof installMailbox>;
    beforeEach(() => {
      mailbox = installMailbox();
    });
    afterEach(() => mailbox.restore());

    it("a password reset does not turn MFA off", async () => {
      const u = await enrolledUser();
      await api("/api/user/send-reset-password-email/", { body: { email: u.email } });
      const link = linkFrom(await mailbox.waitFor(u.email));
      const password = "Fresh-Meadow-2024";
      expect((await api(`/api/user/reset-password/${link.uid}/${link.token}/`, { body: { password, password2: password } })).status).toBe(200);
      const res = await api("/api/user/login/", { body: { email: u.email, password } });
      expect(res.body.mfa_required).toBe(true);
    });

    it("a password reset between the password step and mfa/verify kills the mfa_token", async () => {
      const u = await enrolledUser();
      const token = await mfaToken(u.email, u.password);
      await api("/api/user/send-reset-password-email/", { body: { email: u.email } });
      const link = linkFrom(await mailbox.waitFor(u.email));
      const password = "Fresh-Meadow-2024";
      expect((await api(`/api/user/reset-password/${link.uid}/${link.token}/`, { body: { password, password2: password } })).status).toBe(200);
      await awayFromStepEdge();
      const res = await verify({ mfa_token: token, code: await codeFor(u.secret, 1) });
      expect(res.status).toBe(401);
      expect(res.body).toEqual(DEAD_TOKEN);
    });
  });

  it("users without MFA log in as before; the access token says the password signed in", async () => {
    const u = await registerUser();
    const res = await api("/api/token/", { body: { email: u.email, password: u.password } });
    expect(Object.keys(res.body).sort()).toEqual(["access", "refresh"]);
    expect(claimsOf(res.body.access).amr).toEqual(["pwd"]);
  });
});
