import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { api, GOOD_PASSWORD, registerUser, uniqueEmail } from "../support/api";
import { installMailbox, linkFrom } from "../support/mailbox";

let mailbox: ReturnType<typeof installMailbox>;
beforeEach(() => {
  mailbox = installMailbox();
});
afterEach(() => mailbox.restore());

const SENT = { msg: "Confirmation link send to the new address" };
const CHANGED = { msg: "Email Changed Successfully" };
const INVALID = { errors: { non_field_errors: ["Token is not Valid or Expired"] } };

const change = (access: string, new_email: string, current_password = GOOD_PASSWORD) =>
  api("/api/user/change-email/", { token: access, body: { new_email, current_password } });
const confirm = (uid: string, token: string) => api(`/api/user/confirm-email-change/${uid}/${token}/`, { method: "POST" });

async function requestChange(access: string, to: string) {
  const before = mailbox.countFor(to);
  const res = await change(access, to);
  expect(res.status).toBe(200);
  expect(res.body).toEqual(SENT);
  return linkFrom(await mailbox.waitFor(to, 5000, before));
}

describe("POST /api/user/change-email/", () => {
  it("the new address gets a link, the old one a notice; the link changes the address, which counts as verified", async () => {
    const u = await registerUser({ name: "Chang" });
    const to = uniqueEmail("new");
    const link = await requestChange(u.access, to);
    expect(link.url.startsWith("https://auth.test/confirm-email-change/")).toBe(true);
    const linkMail = mailbox.mails.filter((m) => m.to.includes(to)).at(-1)!;
    expect(linkMail.html).toContain(link.url);
    const notice = await mailbox.waitFor(u.email);
    expect(notice.subject).toBe("Your email address is being changed");
    expect(notice.text).toContain(to);
    expect(notice.text).not.toMatch(/https?:\/\//);

    const res = await confirm(link.uid, link.token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(CHANGED);
    const me = (await api("/api/user/profile/", { token: u.access })).body;
    expect(me.email).toBe(to);
    expect(me.email_verified).toBe(true);
    expect((await api("/api/user/login/", { body: { email: to, password: GOOD_PASSWORD } })).status).toBe(200);
    expect((await api("/api/user/login/", { body: { email: u.email, password: GOOD_PASSWORD } })).status).toBe(401);
  });

  it("a wrong current password: 400 under current_password, and no mail", async () => {
    const u = await registerUser();
    const to = uniqueEmail("new");
    const res = await change(u.access, to, "Not-The-Password-1");
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ errors: { current_password: ["Your old password was entered incorrectly. Please enter it again."] } });
    await new Promise((r) => setTimeout(r, 150));
    expect(mailbox.countFor(to)).toBe(0);
    expect(mailbox.countFor(u.email)).toBe(0);
  });

  it("an already registered new address gets a notice and no link; the answer is the same", async () => {
    const u = await registerUser();
    const other = await registerUser();
    const res = await change(u.access, other.email.toUpperCase());
    expect(res.status).toBe(200);
    expect(res.body).toEqual(SENT);
    const notice = await mailbox.waitFor(other.email);
    expect(notice.text).not.toMatch(/https?:\/\//);
    expect(notice.html).not.toMatch(/href=/);
    await mailbox.waitFor(u.email); // the old address is told of the request either way
  });

  it("needs a bearer token and validates the body", async () => {
    expect((await api("/api/user/change-email/", { body: { new_email: uniqueEmail(), current_password: GOOD_PASSWORD } })).status).toBe(401);
    const u = await registerUser();
    const res = await api("/api/user/change-email/", { token: u.access, body: { new_email: "nope" } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ errors: { new_email: ["Enter a valid email address."], current_password: ["This field is required."] } });
  });

  it("is rate limited per user", async () => {
    const u = await registerUser();
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await change(u.access, uniqueEmail("rl"), "Wrong-Guess-0" + i)).status);
    expect(statuses).toContain(429);
  });
});

describe("POST /api/user/confirm-email-change/{uid}/{token}/", () => {
  it("works once; a newer request makes older links invalid", async () => {
    const u = await registerUser();
    const first = await requestChange(u.access, uniqueEmail("first"));
    const to = uniqueEmail("second");
    const second = await requestChange(u.access, to);
    expect((await confirm(first.uid, first.token)).body).toEqual(INVALID);
    expect((await confirm(second.uid, second.token)).body).toEqual(CHANGED);
    const again = await confirm(second.uid, second.token);
    expect(again.status).toBe(400);
    expect(again.body).toEqual(INVALID);
  });

  it("400 when the new address was registered in between; the account keeps its address", async () => {
    const u = await registerUser();
    const to = uniqueEmail("race");
    const link = await requestChange(u.access, to);
    await registerUser({ email: to.toUpperCase() });
    const res = await confirm(link.uid, link.token);
    expect(res.status).toBe(400);
    expect(res.body).toEqual(INVALID);
    expect((await api("/api/user/profile/", { token: u.access })).body.email).toBe(u.email);
  });

  it("a change link dies when the account's address changed meanwhile", async () => {
    const u = await registerUser();
    const a = uniqueEmail("a");
    const linkA = await requestChange(u.access, a);
    await env.DB.prepare("UPDATE users SET email = ? WHERE lower(email) = lower(?)").bind(uniqueEmail("elsewhere"), u.email).run();
    expect((await confirm(linkA.uid, linkA.token)).body).toEqual(INVALID);
  });

  it("refuses an expired link", async () => {
    const u = await registerUser();
    const link = await requestChange(u.access, uniqueEmail("late"));
    await env.DB.prepare("UPDATE mail_tokens SET expires_at = ? WHERE purpose = 'change_email' AND email = ?").bind(Date.now() - 1, u.email).run();
    expect((await confirm(link.uid, link.token)).body).toEqual(INVALID);
  });

  it("concurrent confirmations: exactly one succeeds", async () => {
    const u = await registerUser();
    const link = await requestChange(u.access, uniqueEmail("conc"));
    const results = await Promise.all(Array.from({ length: 4 }, () => confirm(link.uid, link.token)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
  });

  it("stores the token hashed only", async () => {
    const u = await registerUser();
    const link = await requestChange(u.access, uniqueEmail("hash"));
    const rows = (await env.DB.prepare("SELECT * FROM mail_tokens WHERE email = ?").bind(u.email).all()).results;
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(link.token);
  });
});
