import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, claimsOf, registerUser } from "../support/api";
import { awayFromStepEdge, base32Decode, codeFor, enrolledUser } from "./helpers";

const setup = (access: string, current_password: string) => api("/api/user/mfa/totp/setup/", { token: access, body: { current_password } });

describe("MFA enrolment", () => {
  it("setup needs the current password and answers the secret, the otpauth URL and an SVG QR code", async () => {
    const u = await registerUser();
    const wrong = await setup(u.access, "not-the-password");
    expect(wrong.status).toBe(400);
    expect(wrong.body).toEqual({ errors: { current_password: ["Your old password was entered incorrectly. Please enter it again."] } });
    const res = await setup(u.access, u.password);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(["otpauth_url", "qr_svg", "secret"]);
    expect(res.body.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(base32Decode(res.body.secret)).toHaveLength(20);
    const url = new URL(res.body.otpauth_url);
    expect(url.protocol).toBe("otpauth:");
    expect(url.host).toBe("totp");
    expect(decodeURIComponent(url.pathname)).toBe(`/edge-auth:${u.email}`);
    expect(url.searchParams.get("secret")).toBe(res.body.secret);
    expect(url.searchParams.get("issuer")).toBe("edge-auth");
    expect(res.body.qr_svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    // Nothing is enabled before the confirmation.
    expect((await api("/api/user/mfa/", { token: u.access })).body).toEqual({ totp: false, recovery_codes_left: 0 });
    expect((await api("/api/user/profile/", { token: u.access })).body.mfa_enabled).toBe(false);
    const login = await api("/api/user/login/", { body: { email: u.email, password: u.password } });
    expect(login.body.token).toBeDefined();
  });

  it("uses MFA_ISSUER in the otpauth URL", async () => {
    const u = await registerUser();
    const res = await api("/api/user/mfa/totp/setup/", { token: u.access, body: { current_password: u.password }, vars: { MFA_ISSUER: "Acme Corp" } });
    expect(res.status).toBe(200);
    expect(new URL(res.body.otpauth_url).searchParams.get("issuer")).toBe("Acme Corp");
    expect(decodeURIComponent(new URL(res.body.otpauth_url).pathname)).toBe(`/Acme Corp:${u.email}`);
  });

  it("confirm enables MFA only with a right code and answers 10 recovery codes", async () => {
    const u = await registerUser();
    const { body } = await setup(u.access, u.password);
    await awayFromStepEdge();
    const bad = await api("/api/user/mfa/totp/confirm/", { token: u.access, body: { code: await codeFor(body.secret, 3) } });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ errors: { code: ["Invalid code"] } });
    const ok = await api("/api/user/mfa/totp/confirm/", { token: u.access, body: { code: await codeFor(body.secret) } });
    expect(ok.status).toBe(200);
    expect(ok.body.msg).toBe("Two-factor authentication enabled");
    expect(ok.body.recovery_codes).toHaveLength(10);
    expect(new Set(ok.body.recovery_codes).size).toBe(10);
    expect((await api("/api/user/mfa/", { token: u.access })).body).toEqual({ totp: true, recovery_codes_left: 10 });
    expect((await api("/api/user/profile/", { token: u.access })).body.mfa_enabled).toBe(true);
    // Enabled: a new setup would replace the live secret, so it is refused.
    const again = await setup(u.access, u.password);
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ errors: { non_field_errors: ["Two-factor authentication is already enabled"] } });
  });

  it("a new setup replaces a pending one: the first secret's codes no longer confirm", async () => {
    const u = await registerUser();
    const first = await setup(u.access, u.password);
    const second = await setup(u.access, u.password);
    expect(second.body.secret).not.toBe(first.body.secret);
    await awayFromStepEdge();
    const old = await api("/api/user/mfa/totp/confirm/", { token: u.access, body: { code: await codeFor(first.body.secret) } });
    expect(old.status).toBe(400);
    const ok = await api("/api/user/mfa/totp/confirm/", { token: u.access, body: { code: await codeFor(second.body.secret) } });
    expect(ok.status).toBe(200);
  });

  it("confirm without a pending setup is a 400", async () => {
    const u = await registerUser();
    const res = await api("/api/user/mfa/totp/confirm/", { token: u.access, body: { code: "123456" } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ errors: { non_field_errors: ["Start the two-factor setup first"] } });
  });

  it("stores neither the secret nor a recovery code in clear", async () => {
    const u = await enrolledUser();
    const raw = base32Decode(u.secret);
    const hex = [...raw].map((b) => b.toString(16).padStart(2, "0")).join("");
    const factor = await env.DB.prepare("select * from mfa_factors where user_id = ?").bind(u.userId).first<Record<string, unknown>>();
    const dump = JSON.stringify(factor);
    expect(factor?.secret).toMatch(/^v1\.[0-9a-f]{8}\.[\w-]+\.[\w-]+$/);
    for (const clear of [u.secret, u.secret.toLowerCase(), hex, btoa(String.fromCharCode(...raw))]) expect(dump).not.toContain(clear);
    const codes = await env.DB.prepare("select * from mfa_recovery_codes where user_id = ?").bind(u.userId).all();
    expect(codes.results).toHaveLength(10);
    const codesDump = JSON.stringify(codes.results);
    for (const code of u.recoveryCodes) {
      expect(codesDump).not.toContain(code);
      expect(codesDump).not.toContain(code.replace(/-/g, ""));
    }
  });

  it("enabling MFA revokes the user's other sessions and keeps the one that enabled it", async () => {
    const u = await registerUser();
    const other = (await api("/api/user/login/", { body: { email: u.email, password: u.password } })).body.token;
    const { body } = await setup(u.access, u.password);
    await awayFromStepEdge();
    expect((await api("/api/user/mfa/totp/confirm/", { token: u.access, body: { code: await codeFor(body.secret) } })).status).toBe(200);
    expect((await api("/api/user/profile/", { token: other.access })).status).toBe(401);
    expect((await api("/api/token/refresh/", { body: { refresh: other.refresh } })).status).toBe(401);
    expect((await api("/api/user/profile/", { token: u.access })).status).toBe(200);
  });

  it("disable needs the password and a code, turns MFA off and revokes the other sessions", async () => {
    const u = await enrolledUser();
    const other = await loginWithMfa(u);
    const wrongPassword = await api("/api/user/mfa/disable/", { token: u.access, body: { current_password: "nope-nope-nope", code: await codeFor(u.secret, 1) } });
    expect(wrongPassword.status).toBe(400);
    expect(wrongPassword.body.errors.current_password).toBeDefined();
    const wrongCode = await api("/api/user/mfa/disable/", { token: u.access, body: { current_password: u.password, code: "000000" } });
    expect(wrongCode.status).toBe(400);
    expect(wrongCode.body).toEqual({ errors: { code: ["Invalid code"] } });
    const missing = await api("/api/user/mfa/disable/", { token: u.access, body: { current_password: u.password } });
    expect(missing.body).toEqual({ errors: { code: ["This field is required."] } });
    const ok = await api("/api/user/mfa/disable/", { token: u.access, body: { current_password: u.password, code: u.recoveryCodes[0] } });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ msg: "Two-factor authentication disabled" });
    expect((await api("/api/user/profile/", { token: other.access })).status).toBe(401);
    expect((await api("/api/user/profile/", { token: u.access })).body.mfa_enabled).toBe(false);
    expect((await api("/api/user/mfa/", { token: u.access })).body).toEqual({ totp: false, recovery_codes_left: 0 });
    const login = await api("/api/user/login/", { body: { email: u.email, password: u.password } });
    expect(login.body.msg).toBe("Login Success");
    expect(await env.DB.prepare("select count(*) as n from mfa_recovery_codes where user_id = ?").bind(u.userId).first("n")).toBe(0);
    const again = await api("/api/user/mfa/disable/", { token: u.access, body: { current_password: u.password, code: "123456" } });
    expect(again.body).toEqual({ errors: { non_field_errors: ["Two-factor authentication is not enabled"] } });
  });

  it("regenerating recovery codes needs the password and a code and kills the old set", async () => {
    const u = await enrolledUser();
    const res = await api("/api/user/mfa/recovery-codes/", { token: u.access, body: { current_password: u.password, code: await codeFor(u.secret, 1) } });
    expect(res.status).toBe(200);
    expect(res.body.recovery_codes).toHaveLength(10);
    expect(res.body.recovery_codes.some((c: string) => u.recoveryCodes.includes(c))).toBe(false);
    expect((await api("/api/user/mfa/", { token: u.access })).body.recovery_codes_left).toBe(10);
    const token = (await api("/api/user/login/", { body: { email: u.email, password: u.password } })).body.mfa_token;
    const old = await api("/api/user/mfa/verify/", { body: { mfa_token: token, recovery_code: u.recoveryCodes[1] } });
    expect(old.status).toBe(400);
    expect(old.body).toEqual({ errors: { recovery_code: ["Invalid code"] } });
    const fresh = await api("/api/user/mfa/verify/", { body: { mfa_token: token, recovery_code: res.body.recovery_codes[0] } });
    expect(fresh.status).toBe(200);
    // The TOTP step used for the regeneration cannot be used again.
    const replay = await api("/api/user/mfa/recovery-codes/", { token: u.access, body: { current_password: u.password, code: await codeFor(u.secret, 1) } });
    expect(replay.body).toEqual({ errors: { code: ["Invalid code"] } });
  });

  it("answers 503 on every MFA endpoint without MFA_ENCRYPTION_KEY", async () => {
    const u = await registerUser();
    const vars = { MFA_ENCRYPTION_KEY: "" };
    const calls = [
      api("/api/user/mfa/", { token: u.access, vars }),
      api("/api/user/mfa/totp/setup/", { token: u.access, body: { current_password: u.password }, vars }),
      api("/api/user/mfa/totp/confirm/", { token: u.access, body: { code: "123456" }, vars }),
      api("/api/user/mfa/disable/", { token: u.access, body: { current_password: u.password, code: "123456" }, vars }),
      api("/api/user/mfa/recovery-codes/", { token: u.access, body: { current_password: u.password, code: "123456" }, vars }),
      api("/api/user/mfa/verify/", { body: { mfa_token: "x", code: "123456" }, vars }),
    ];
    for (const res of await Promise.all(calls)) {
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ errors: { detail: "Service temporarily unavailable", code: "unavailable" } });
    }
    // Users without MFA still log in.
    expect((await api("/api/user/login/", { body: { email: u.email, password: u.password }, vars })).status).toBe(200);
  });

  it("a too-short MFA_ENCRYPTION_KEY is a configuration error", async () => {
    const res = await api("/api/user/mfa/", { vars: { MFA_ENCRYPTION_KEY: "short" } });
    expect(res.status).toBe(503);
  });
});

async function loginWithMfa(u: { email: string; password: string; secret: string }) {
  const token = (await api("/api/user/login/", { body: { email: u.email, password: u.password } })).body.mfa_token;
  const res = await api("/api/user/mfa/verify/", { body: { mfa_token: token, code: await codeFor(u.secret, 1) } });
  if (res.status !== 200) throw new Error(`verify: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token as { access: string; refresh: string };
}
export { claimsOf };
