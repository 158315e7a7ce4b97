import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { api, GOOD_PASSWORD, randomIp, registerUser, uniqueEmail } from "../support/api";
import { installMailbox } from "../support/mailbox";
import { awayFromStepEdge, codeFor, enrolledUser } from "../mfa/helpers";

// One budget per account for every endpoint that asks for current_password: 5 wrong in 60 s
// from any addresses and sessions, then 429 everywhere (the right password too).
const THROTTLED = { errors: { detail: expect.stringMatching(/^Request was throttled\. Expected available in \d+ seconds?\.$/), code: "throttled" } };
const WRONG = { errors: { current_password: ["Your old password was entered incorrectly. Please enter it again."] } };

let mailbox: ReturnType<typeof installMailbox>;
beforeEach(() => {
  mailbox = installMailbox();
});
afterEach(() => mailbox.restore());

const post = (path: string, token: string, body: Record<string, unknown>) => api(path, { token, body, headers: { "cf-connecting-ip": randomIp() } });
const changeEmail = (token: string, current_password: string) => post("/api/user/change-email/", token, { new_email: uniqueEmail("new"), current_password });
const totpSetup = (token: string, current_password: string) => post("/api/user/mfa/totp/setup/", token, { current_password });
const changePassword = (token: string, current_password: string) =>
  post("/api/user/changepassword/", token, { password: "Quiet-Lantern-77", password2: "Quiet-Lantern-77", current_password });
const login = async (email: string) => (await api("/api/user/login/", { body: { email, password: GOOD_PASSWORD } })).body.token.access as string;

describe("one budget for guessing the current password", () => {
  it("wrong passwords at change-email, TOTP setup and change password add up; then each answers 429, the right password too", async () => {
    const u = await registerUser();
    const second = await login(u.email);
    // Right passwords do not count and do not reset the count.
    expect((await totpSetup(u.access, GOOD_PASSWORD)).status).toBe(200);
    expect((await changeEmail(u.access, "wrong-1")).body).toEqual(WRONG);
    expect((await changeEmail(second, "wrong-2")).status).toBe(400);
    expect((await totpSetup(u.access, GOOD_PASSWORD)).status).toBe(200);
    expect((await totpSetup(second, "wrong-3")).body).toEqual(WRONG);
    expect((await totpSetup(u.access, "wrong-4")).status).toBe(400);
    expect((await changeEmail(u.access, GOOD_PASSWORD)).status).toBe(200);
    expect((await changePassword(second, "wrong-5")).body).toEqual(WRONG);
    for (const res of [await changeEmail(u.access, GOOD_PASSWORD), await totpSetup(second, GOOD_PASSWORD), await changePassword(u.access, GOOD_PASSWORD)]) {
      expect(res.status).toBe(429);
      expect(res.body).toEqual(THROTTLED);
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(Number(res.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    }
    // The lock guarded the password: it never changed, and a fresh session is locked out as well.
    const third = await login(u.email);
    expect((await totpSetup(third, GOOD_PASSWORD)).status).toBe(429);
  });

  it("MFA disable and recovery-code renewal draw on the same budget", async () => {
    const u = await enrolledUser();
    await awayFromStepEdge();
    for (let i = 0; i < 3; i++) expect((await post("/api/user/mfa/disable/", u.access, { current_password: `wrong-${i}`, code: u.recoveryCodes[0] })).body).toEqual(WRONG);
    for (let i = 0; i < 2; i++) expect((await post("/api/user/mfa/recovery-codes/", u.access, { current_password: `bad-${i}`, code: u.recoveryCodes[0] })).status).toBe(400);
    expect((await post("/api/user/mfa/recovery-codes/", u.access, { current_password: GOOD_PASSWORD, code: await codeFor(u.secret) })).status).toBe(429);
    expect((await post("/api/user/mfa/disable/", u.access, { current_password: GOOD_PASSWORD, code: u.recoveryCodes[1] })).status).toBe(429);
    // Nothing was used up behind the 429: the recovery codes are all still there.
    const left = await env.DB.prepare("select count(*) as n from mfa_recovery_codes where user_id = ? and used_at is null").bind(u.userId).first<number>("n");
    expect(left).toBe(10);
  });

  it("the budget is the account's: another account is not touched, and it ends with its window", async () => {
    const a = await registerUser();
    const b = await registerUser();
    for (let i = 0; i < 5; i++) expect((await totpSetup(a.access, `wrong-${i}`)).status).toBe(400);
    expect((await totpSetup(a.access, GOOD_PASSWORD)).status).toBe(429);
    expect((await changeEmail(b.access, GOOD_PASSWORD)).status).toBe(200);
    // The window is stored (D1, on the primary): moved a minute back, it has passed.
    await env.DB.prepare("update failure_budgets set window_start = window_start - 60000 where kind = 'current_password' and subject = ?")
      .bind(String((await api("/api/user/profile/", { token: a.access })).body.id))
      .run();
    expect((await totpSetup(a.access, GOOD_PASSWORD)).status).toBe(200);
  });
});
