import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { api, randomIp } from "../support/api";
import { eventsOf, waitForEvent } from "../support/audit";
import { installMailbox } from "../support/mailbox";
import { enrolledUser, mfaToken } from "./helpers";

// Wrong second factors count per account across mfa_tokens and addresses: 10 in 15 minutes,
// then verify answers 429 for the account, the right code too.
const THROTTLED = { errors: { detail: expect.stringMatching(/^Request was throttled\. Expected available in \d+ seconds?\.$/), code: "throttled" } };

let mailbox: ReturnType<typeof installMailbox>;
beforeEach(() => {
  mailbox = installMailbox();
});
afterEach(() => mailbox.restore());

const verify = (body: Record<string, unknown>) => api("/api/user/mfa/verify/", { body, headers: { "cf-connecting-ip": randomIp() } });
/** `n` wrong TOTP codes, spread over fresh mfa_tokens (4 per token, under the per-token kill). */
async function wrongCodes(email: string, password: string, n: number) {
  const statuses: number[] = [];
  while (statuses.length < n) {
    const token = await mfaToken(email, password);
    for (let j = 0; j < 4 && statuses.length < n; j++) statuses.push((await verify({ mfa_token: token, code: "000000" })).status);
  }
  return statuses;
}
const mailsTo = (to: string) => mailbox.mails.filter((m) => m.to.includes(to));
const settle = () => new Promise((r) => setTimeout(r, 300));

describe("one budget for guessing a second factor", () => {
  it("10 wrong codes across tokens and addresses lock verify for the account, the right code too; right codes do not count", async () => {
    const u = await enrolledUser();
    expect(await wrongCodes(u.email, u.password, 6)).toEqual(Array(6).fill(400));
    // A right code in between neither counts nor resets.
    expect((await verify({ mfa_token: await mfaToken(u.email, u.password), recovery_code: u.recoveryCodes[0] })).status).toBe(200);
    expect(await wrongCodes(u.email, u.password, 4)).toEqual(Array(4).fill(400));
    const locked = await verify({ mfa_token: await mfaToken(u.email, u.password), recovery_code: u.recoveryCodes[1] });
    expect(locked.status).toBe(429);
    expect(locked.body).toEqual(THROTTLED);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(60);
    expect(Number(locked.headers.get("retry-after"))).toBeLessThanOrEqual(900);
    // The locked attempt spent nothing: that recovery code still works once the window has passed.
    await env.DB.prepare("update failure_budgets set window_start = window_start - 900000 where kind = 'second_factor' and subject = ?").bind(String(u.userId)).run();
    expect((await verify({ mfa_token: await mfaToken(u.email, u.password), recovery_code: u.recoveryCodes[1] })).status).toBe(200);
  });

  it("wrong codes at recovery-code renewal and disable count too, and lock them as well as verify", async () => {
    const u = await enrolledUser();
    const renew = (code: string) => api("/api/user/mfa/recovery-codes/", { token: u.access, body: { current_password: u.password, code }, headers: { "cf-connecting-ip": randomIp() } });
    for (let i = 0; i < 4; i++) expect((await renew("000000")).status).toBe(400);
    expect(await wrongCodes(u.email, u.password, 6)).toEqual(Array(6).fill(400));
    expect((await verify({ mfa_token: await mfaToken(u.email, u.password), recovery_code: u.recoveryCodes[0] })).status).toBe(429);
    expect((await renew(u.recoveryCodes[0]!)).status).toBe(429);
    await waitForEvent(u.userId, "mfa.failed", 10);
  });

  it("every wrong code is an mfa.failed event, even after failed logins spent the audit budget", async () => {
    const u = await enrolledUser();
    for (let i = 0; i < 12; i++) await api("/api/user/login/", { body: { email: u.email, password: `Wrong-password-${i}` } });
    await waitForEvent(u.userId, "login.failed", 10);
    expect(await wrongCodes(u.email, u.password, 10)).toEqual(Array(10).fill(400));
    await waitForEvent(u.userId, "mfa.failed", 10);
    await settle();
    expect((await eventsOf(u.userId)).filter((e) => e.type === "mfa.failed")).toHaveLength(10);
  });

  it("the 5th wrong code in a row and the lock each mail the user, once per 15 minutes", async () => {
    const u = await enrolledUser();
    // Four wrong, a right one (the streak breaks), four wrong: no mail yet.
    await wrongCodes(u.email, u.password, 4);
    expect((await verify({ mfa_token: await mfaToken(u.email, u.password), recovery_code: u.recoveryCodes[0] })).status).toBe(200);
    await wrongCodes(u.email, u.password, 4);
    await settle();
    expect(mailsTo(u.email)).toHaveLength(0);
    // The 5th in a row.
    await wrongCodes(u.email, u.password, 1);
    const first = await mailbox.waitFor(u.email);
    expect(first.subject).toBe("Failed two-factor sign-in on your account");
    expect(first.text).toMatch(/with your password/);
    expect(first.text).toMatch(/change it now/);
    expect(first.text).not.toContain(u.name);
    // The 10th wrong code in the window is the lock.
    await wrongCodes(u.email, u.password, 1);
    const second = await mailbox.waitFor(u.email, 5000, 1);
    expect(second.subject).toBe("Two-factor sign-in paused on your account");
    // More attempts are 429 and mail nothing more.
    expect((await verify({ mfa_token: await mfaToken(u.email, u.password), code: "000000" })).status).toBe(429);
    // A new window (the count moved back) with another streak of 5: still no second mail of either kind.
    await env.DB.prepare("update failure_budgets set window_start = window_start - 900000 where kind in ('second_factor', 'second_factor_streak') and subject = ?")
      .bind(String(u.userId))
      .run();
    await wrongCodes(u.email, u.password, 5);
    await settle();
    expect(mailsTo(u.email)).toHaveLength(2);
  });
});
