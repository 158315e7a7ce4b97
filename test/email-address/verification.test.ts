import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { api, GOOD_PASSWORD, registerUser, uniqueEmail } from "../support/api";
import { installMailbox, linkFrom } from "../support/mailbox";

let mailbox: ReturnType<typeof installMailbox>;
beforeEach(() => {
  mailbox = installMailbox();
});
afterEach(() => mailbox.restore());

const SENT = { msg: "Verification link send. Please check your Email" };
const VERIFIED = { msg: "Email Verified Successfully" };
const INVALID = { errors: { non_field_errors: ["Token is not Valid or Expired"] } };
const NOT_VERIFIED = { detail: "Email address is not verified.", code: "email_not_verified" };
const optional = { EMAIL_VERIFICATION: "optional" };
const mandatory = { EMAIL_VERIFICATION: "mandatory" };

const register = (email: string, vars?: Record<string, string>) =>
  api("/api/user/register/", { body: { email, name: "Vera", password: GOOD_PASSWORD, password2: GOOD_PASSWORD, tc: true }, vars });

async function requestLink(email: string, vars?: Record<string, string>) {
  const before = mailbox.countFor(email);
  const res = await api("/api/user/send-verification-email/", { body: { email }, vars });
  expect(res.status).toBe(200);
  expect(res.body).toEqual(SENT);
  return linkFrom(await mailbox.waitFor(email, 5000, before));
}

const verify = (uid: string, token: string, vars?: Record<string, string>) => api(`/api/user/verify-email/${uid}/${token}/`, { method: "POST", vars });
const profile = async (access: string) => (await api("/api/user/profile/", { token: access })).body;
const row = (email: string) => env.DB.prepare("SELECT id, email_verified FROM users WHERE lower(email) = lower(?)").bind(email).first<{ id: number; email_verified: number }>();

describe("EMAIL_VERIFICATION=none (default)", () => {
  it("registration is as before: a token, no mail; the profile shows email_verified false", async () => {
    const email = uniqueEmail("none");
    const res = await register(email);
    expect(res.status).toBe(201);
    expect(res.body.token.access).toBeTypeOf("string");
    expect(res.body.verification_required).toBeUndefined();
    expect((await profile(res.body.token.access)).email_verified).toBe(false);
    await new Promise((r) => setTimeout(r, 150));
    expect(mailbox.countFor(email)).toBe(0);
  });

  it("an unverified user still logs in (/api/user/login/ and /api/token/)", async () => {
    const u = await registerUser();
    expect((await api("/api/user/login/", { body: { email: u.email, password: u.password } })).status).toBe(200);
    expect((await api("/api/token/", { body: { email: u.email, password: u.password } })).status).toBe(200);
  });

  it("a user can still verify on request; the profile then shows email_verified true", async () => {
    const u = await registerUser();
    const link = await requestLink(u.email);
    expect(link.url.startsWith("https://auth.test/verify-email/")).toBe(true);
    const res = await verify(link.uid, link.token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(VERIFIED);
    expect((await profile(u.access)).email_verified).toBe(true);
  });
});

describe("EMAIL_VERIFICATION=optional", () => {
  it("registration answers as before and mails a link (text and HTML); nothing is blocked", async () => {
    const email = uniqueEmail("opt");
    const res = await register(email, optional);
    expect(res.status).toBe(201);
    expect(res.body.msg).toBe("Registration Successful");
    expect(res.body.token.access).toBeTypeOf("string");
    const mail = await mailbox.waitFor(email);
    const link = linkFrom(mail);
    expect(mail.html).toContain(link.url);
    expect(mail.subject).toBe("Confirm your email address");
    expect((await api("/api/user/login/", { body: { email, password: GOOD_PASSWORD }, vars: optional })).status).toBe(200);
    expect((await verify(link.uid, link.token, optional)).body).toEqual(VERIFIED);
    expect((await row(email))!.email_verified).toBe(1);
  });
});

describe("EMAIL_VERIFICATION=mandatory", () => {
  it("register: 201 with verification_required and no token; login 403 only after a right password; verified: tokens", async () => {
    const email = uniqueEmail("mand");
    const res = await register(email, mandatory);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ msg: "Registration Successful", verification_required: true });
    const link = linkFrom(await mailbox.waitFor(email));

    const wrong = await api("/api/user/login/", { body: { email, password: "Wrong-Password-77" }, vars: mandatory });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ errors: { non_field_errors: ["Email or Password is not Valid"] } });
    const wrongToken = await api("/api/token/", { body: { email, password: "Wrong-Password-77" }, vars: mandatory });
    expect(wrongToken.status).toBe(401);

    const blocked = await api("/api/user/login/", { body: { email, password: GOOD_PASSWORD }, vars: mandatory });
    expect(blocked.status).toBe(403);
    expect(blocked.body).toEqual({ errors: NOT_VERIFIED });
    const blockedToken = await api("/api/token/", { body: { email, password: GOOD_PASSWORD }, vars: mandatory });
    expect(blockedToken.status).toBe(403);
    expect(blockedToken.body).toEqual(NOT_VERIFIED);

    expect((await verify(link.uid, link.token, mandatory)).body).toEqual(VERIFIED);
    const ok = await api("/api/user/login/", { body: { email, password: GOOD_PASSWORD }, vars: mandatory });
    expect(ok.status).toBe(200);
    expect(ok.body.msg).toBe("Login Success");
    expect((await api("/api/token/", { body: { email, password: GOOD_PASSWORD }, vars: mandatory })).status).toBe(200);
  });

  it("an unknown address still answers 401, not 403", async () => {
    const res = await api("/api/token/", { body: { email: uniqueEmail("ghost"), password: GOOD_PASSWORD }, vars: mandatory });
    expect(res.status).toBe(401);
  });

  it("the unverified check comes before MFA: no mfa_token for an unverified address", async () => {
    const u = await registerUser();
    await env.DB.prepare("UPDATE users SET mfa_enabled = 1 WHERE lower(email) = lower(?)").bind(u.email).run();
    const res = await api("/api/user/login/", { body: { email: u.email, password: u.password }, vars: mandatory });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ errors: NOT_VERIFIED });
  });
});

describe("POST /api/user/send-verification-email/", () => {
  it("answers the same for unknown, verified and inactive addresses, and mails none of them", async () => {
    const ghost = uniqueEmail("ghost");
    const verified = await registerUser();
    await env.DB.prepare("UPDATE users SET email_verified = 1 WHERE lower(email) = lower(?)").bind(verified.email).run();
    const inactive = await registerUser();
    await env.DB.prepare("UPDATE users SET is_active = 0 WHERE lower(email) = lower(?)").bind(inactive.email).run();
    for (const email of [ghost, verified.email, inactive.email]) {
      const res = await api("/api/user/send-verification-email/", { body: { email } });
      expect(res.status).toBe(200);
      expect(res.body).toEqual(SENT);
    }
    await new Promise((r) => setTimeout(r, 200));
    for (const email of [ghost, verified.email, inactive.email]) expect(mailbox.countFor(email)).toBe(0);
  });

  it("refuses a missing or malformed e-mail", async () => {
    const missing = await api("/api/user/send-verification-email/", { body: {} });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ errors: { email: ["This field is required."] } });
    const bad = await api("/api/user/send-verification-email/", { body: { email: "nope" } });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ errors: { email: ["Enter a valid email address."] } });
  });

  it("is rate limited per e-mail address, from any IP", async () => {
    const u = await registerUser();
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await api("/api/user/send-verification-email/", { body: { email: u.email } })).status);
    expect(statuses.slice(0, 5).every((s) => s === 200 || s === 429)).toBe(true);
    expect(statuses).toContain(429);
  });

  it("is rate limited per IP", async () => {
    const ip = "198.51.100.77";
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) statuses.push((await api("/api/user/send-verification-email/", { body: { email: uniqueEmail("ip") }, headers: { "cf-connecting-ip": ip } })).status);
    expect(statuses).toContain(429);
    const throttled = await api("/api/user/send-verification-email/", { body: { email: uniqueEmail("ip") }, headers: { "cf-connecting-ip": ip } });
    if (throttled.status === 429) expect(throttled.headers.get("retry-after")).toBe("60");
  });
});

describe("POST /api/user/verify-email/{uid}/{token}/", () => {
  it("works once", async () => {
    const u = await registerUser();
    const link = await requestLink(u.email);
    expect((await verify(link.uid, link.token)).body).toEqual(VERIFIED);
    const again = await verify(link.uid, link.token);
    expect(again.status).toBe(400);
    expect(again.body).toEqual(INVALID);
  });

  it("concurrent uses of one link: exactly one succeeds", async () => {
    const u = await registerUser();
    const link = await requestLink(u.email);
    const results = await Promise.all(Array.from({ length: 5 }, () => verify(link.uid, link.token)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 400)).toHaveLength(4);
  });

  it("a newer link makes older ones invalid", async () => {
    const u = await registerUser();
    const first = await requestLink(u.email);
    const second = await requestLink(u.email);
    expect(second.token).not.toBe(first.token);
    expect((await verify(first.uid, first.token)).body).toEqual(INVALID);
    expect((await verify(second.uid, second.token)).body).toEqual(VERIFIED);
  });

  it("refuses unknown, tampered and other users' links", async () => {
    const u = await registerUser();
    const other = await registerUser();
    const link = await requestLink(u.email);
    const otherLink = await requestLink(other.email);
    const flip = (s: string) => s.slice(0, -1) + (s.endsWith("A") ? "B" : "A");
    for (const [uid, token] of [
      [link.uid, flip(link.token)],
      [flip(link.uid), link.token],
      [otherLink.uid, link.token],
      ["!!", link.token],
      [link.uid, "short"],
      [link.uid, link.token + "A"],
    ] as const) {
      const res = await verify(uid, token);
      expect(res.status, `${uid}/${token}`).toBe(400);
      expect(res.body).toEqual(INVALID);
    }
    expect((await verify(link.uid, link.token)).body).toEqual(VERIFIED);
  });

  it("refuses an expired link", async () => {
    const u = await registerUser();
    const link = await requestLink(u.email);
    const { id } = (await row(u.email))!;
    await env.DB.prepare("UPDATE mail_tokens SET expires_at = ? WHERE user_id = ? AND purpose = 'verify_email'").bind(Date.now() - 1000, id).run();
    const res = await verify(link.uid, link.token);
    expect(res.status).toBe(400);
    expect(res.body).toEqual(INVALID);
    expect((await row(u.email))!.email_verified).toBe(0);
  });

  it("refuses a link sent to an address the user no longer has", async () => {
    const u = await registerUser();
    const link = await requestLink(u.email);
    await env.DB.prepare("UPDATE users SET email = ? WHERE lower(email) = lower(?)").bind(uniqueEmail("moved"), u.email).run();
    expect((await verify(link.uid, link.token)).body).toEqual(INVALID);
  });

  it("refuses a verification link on the change route and the other way round", async () => {
    const u = await registerUser();
    const link = await requestLink(u.email);
    expect((await api(`/api/user/confirm-email-change/${link.uid}/${link.token}/`, { method: "POST" })).body).toEqual(INVALID);
    expect((await verify(link.uid, link.token)).body).toEqual(VERIFIED);
  });

  it("stores only a hash of the token, with the verification timeout as its lifetime", async () => {
    const u = await registerUser();
    const before = Date.now();
    const link = await requestLink(u.email);
    const { id } = (await row(u.email))!;
    const rows = (await env.DB.prepare("SELECT * FROM mail_tokens WHERE user_id = ?").bind(id).all<Record<string, unknown>>()).results;
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(link.token);
    const stored = rows[0]!;
    expect(stored.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.email).toBe(u.email);
    expect(Number(stored.expires_at) - before).toBeGreaterThanOrEqual(86_400_000 - 5000);
    expect(Number(stored.expires_at) - Date.now()).toBeLessThanOrEqual(86_400_000);
  });

  it("uses EMAIL_VERIFICATION_URL and EMAIL_VERIFICATION_TIMEOUT when set", async () => {
    const vars = { EMAIL_VERIFICATION_URL: "https://app.example.com/verify/", EMAIL_VERIFICATION_TIMEOUT: "3600" };
    const u = await registerUser();
    const link = await requestLink(u.email, vars);
    expect(link.url.startsWith("https://app.example.com/verify/")).toBe(true);
    expect(link.url).not.toContain("verify//");
    expect(mailbox.mails.at(-1)!.text).toContain("1 hour");
  });
});

describe("reset links on the mailed-link core", () => {
  it("a reset link dies when the account's address changed after it was sent", async () => {
    const u = await registerUser();
    const before = mailbox.countFor(u.email);
    await api("/api/user/send-reset-password-email/", { body: { email: u.email } });
    const link = linkFrom(await mailbox.waitFor(u.email, 5000, before));
    const { id } = (await row(u.email))!;
    const stored = await env.DB.prepare("SELECT token_hash, email, password_version FROM mail_tokens WHERE user_id = ? AND purpose = 'password_reset'").bind(id).first<Record<string, unknown>>();
    expect(stored).toMatchObject({ email: u.email, password_version: 0 });
    expect(JSON.stringify(stored)).not.toContain(link.token);
    await env.DB.prepare("UPDATE users SET email = ? WHERE id = ?").bind(uniqueEmail("moved"), id).run();
    const res = await api(`/api/user/reset-password/${link.uid}/${link.token}/`, { body: { password: "Fresh-Meadow-2024", password2: "Fresh-Meadow-2024" } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(INVALID);
  });
});

describe("cleanup", () => {
  it("the daily job deletes links that expired more than a day ago, and only those", async () => {
    const { deleteExpiredMailLinks } = await import("../../src/features/mailed-links/cleanup");
    const u = await registerUser();
    await requestLink(u.email);
    const { id } = (await row(u.email))!;
    const count = async () => (await env.DB.prepare("SELECT count(*) AS n FROM mail_tokens WHERE user_id = ?").bind(id).first<{ n: number }>())!.n;
    await deleteExpiredMailLinks(env as never);
    expect(await count()).toBe(1);
    await env.DB.prepare("UPDATE mail_tokens SET expires_at = ? WHERE user_id = ?").bind(Date.now() - 2 * 86_400_000, id).run();
    await deleteExpiredMailLinks(env as never);
    expect(await count()).toBe(0);
  });
});

describe("uids", () => {
  it("a uid counts only in its canonical base64url spelling", async () => {
    const { decodeUid, encodeUid } = await import("../../src/features/mailed-links/service");
    expect(encodeUid(60)).toBe("NjA");
    expect(decodeUid("NjA")).toBe(60);
    expect(decodeUid("NjB")).toBeNull(); // atob alone would read it as "60" too
    expect(decodeUid("MA")).toBeNull(); // "0"
  });
});
