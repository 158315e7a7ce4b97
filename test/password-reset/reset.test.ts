import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api, registerUser, uniqueEmail } from "../support/api";
import { installMailbox, linkFrom } from "../support/mailbox";

let mailbox: ReturnType<typeof installMailbox>;
beforeEach(() => {
  mailbox = installMailbox();
});
afterEach(() => mailbox.restore());

const SENT = { msg: "Password Reset link send. Please check your Email" };
const INVALID = { errors: { non_field_errors: ["Token is not Valid or Expired"] } };
const NEW_PASSWORD = "Fresh-Meadow-2024";

async function requestLink(email: string) {
  const before = mailbox.countFor(email);
  const res = await api("/api/user/send-reset-password-email/", { body: { email } });
  expect(res.status).toBe(200);
  expect(res.body).toEqual(SENT);
  return linkFrom(await mailbox.waitFor(email, 5000, before));
}

const confirm = (uid: string, token: string, password = NEW_PASSWORD, password2 = password) =>
  api(`/api/user/reset-password/${uid}/${token}/`, { body: { password, password2 } });

describe("password reset", () => {
  it("mails a link through the provider; the link sets a new password", async () => {
    const u = await registerUser({ name: "Ada" });
    const link = await requestLink(u.email);
    const mail = mailbox.mails.at(-1)!;
    expect(mail.authorization).toBe("Bearer test-mail-key");
    expect(mail.to).toEqual([u.email]);
    expect(mail.html).toContain(link.url);
    expect(link.url.startsWith("http://localhost:3000/api/user/reset/")).toBe(true);

    const res = await confirm(link.uid, link.token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ msg: "Password Reset Successfully" });
    expect((await api("/api/user/login/", { body: { email: u.email, password: NEW_PASSWORD } })).status).toBe(200);
    expect((await api("/api/user/login/", { body: { email: u.email, password: u.password } })).status).toBe(401);
  });

  it("works once: a second use of the same link is refused", async () => {
    const u = await registerUser();
    const link = await requestLink(u.email);
    expect((await confirm(link.uid, link.token)).status).toBe(200);
    const again = await confirm(link.uid, link.token, "Second-Attempt-555");
    expect(again.status).toBe(400);
    expect(again.body).toEqual(INVALID);
    expect((await api("/api/user/login/", { body: { email: u.email, password: NEW_PASSWORD } })).status).toBe(200);
  });

  it("works once even when the KV delete has not propagated", async () => {
    const u = await registerUser();
    const link = await requestLink(u.email);
    // Snapshot the KV entries, use the link, then put them back as a stale replica would show them.
    const keys = (await env.RESET_KV.list()).keys.map((k) => k.name);
    const saved = await Promise.all(keys.map(async (k) => [k, await env.RESET_KV.get(k)] as const));
    expect((await confirm(link.uid, link.token)).status).toBe(200);
    await Promise.all(saved.map(([k, v]) => v !== null && env.RESET_KV.put(k, v)));
    const replay = await confirm(link.uid, link.token, "Replayed-Secret-42");
    expect(replay.status).toBe(400);
    expect(replay.body).toEqual(INVALID);
  });

  it("concurrent uses of one link: exactly one succeeds", async () => {
    const u = await registerUser();
    const link = await requestLink(u.email);
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => confirm(link.uid, link.token, `Concurrent-Pass-${i}x`)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 400)).toHaveLength(4);
  });

  it("stores only a hash of the nonce in KV, with the reset timeout as TTL", async () => {
    const u = await registerUser();
    const before = Date.now() / 1000;
    const link = await requestLink(u.email);
    const { keys } = await env.RESET_KV.list({ prefix: "reset:" });
    const names = keys.map((k) => k.name);
    expect(names.some((n) => n.includes(link.token))).toBe(false);
    const mine = keys.find((k) => k.name.startsWith("reset:") && k.expiration && k.expiration >= before + 299);
    expect(mine).toBeDefined();
    expect(mine!.expiration!).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 301);
  });

  it("answers the same for an unknown e-mail and sends nothing (differs: no enumeration)", async () => {
    const email = uniqueEmail("ghost");
    const res = await api("/api/user/send-reset-password-email/", { body: { email } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(SENT);
    await new Promise((r) => setTimeout(r, 200));
    expect(mailbox.mails.filter((m) => m.to.includes(email))).toHaveLength(0);
  });

  it("sends nothing to an inactive user", async () => {
    const u = await registerUser();
    await env.DB.prepare("UPDATE users SET is_active = 0 WHERE lower(email) = lower(?)").bind(u.email).run();
    const res = await api("/api/user/send-reset-password-email/", { body: { email: u.email } });
    expect(res.body).toEqual(SENT);
    await new Promise((r) => setTimeout(r, 200));
    expect(mailbox.mails.filter((m) => m.to.includes(u.email))).toHaveLength(0);
  });

  it("refuses a missing or malformed e-mail", async () => {
    const missing = await api("/api/user/send-reset-password-email/", { body: {} });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ errors: { email: ["This field is required."] } });
    const bad = await api("/api/user/send-reset-password-email/", { body: { email: "nope" } });
    expect(bad.body).toEqual({ errors: { email: ["Enter a valid email address."] } });
  });

  it("refuses tampered tokens and uids", async () => {
    const u = await registerUser();
    const other = await registerUser();
    const link = await requestLink(u.email);
    const otherLink = await requestLink(other.email);
    const flip = (s: string) => s.slice(0, -1) + (s.endsWith("A") ? "B" : "A");
    for (const [uid, token] of [
      [link.uid, flip(link.token)],
      [flip(link.uid), link.token],
      [otherLink.uid, link.token],
      ["MQ", link.token],
      ["!!", link.token],
      [link.uid, "short"],
      [link.uid, link.token + "A"],
    ] as const) {
      const res = await confirm(uid, token);
      expect(res.status, `${uid}/${token}`).toBe(400);
      expect(res.body).toEqual(INVALID);
    }
    expect((await confirm(link.uid, link.token)).status).toBe(200);
  });

  it("a newer link retires older ones", async () => {
    const u = await registerUser();
    const first = await requestLink(u.email);
    const second = await requestLink(u.email);
    expect(second.token).not.toBe(first.token);
    expect((await confirm(first.uid, first.token)).body).toEqual(INVALID);
    expect((await confirm(second.uid, second.token)).status).toBe(200);
  });

  it("a password change kills outstanding links", async () => {
    const u = await registerUser();
    const link = await requestLink(u.email);
    const changed = await api("/api/user/changepassword/", { token: u.access, body: { current_password: u.password, password: "Changed-Before-Use-1", password2: "Changed-Before-Use-1" } });
    expect(changed.status).toBe(200);
    expect((await confirm(link.uid, link.token)).body).toEqual(INVALID);
  });

  it("revokes every refresh token of the user", async () => {
    const u = await registerUser();
    const link = await requestLink(u.email);
    expect((await confirm(link.uid, link.token)).status).toBe(200);
    const res = await api("/api/token/refresh/", { body: { refresh: u.refresh } });
    expect(res.status).toBe(401);
    expect((await api("/api/user/profile/", { token: u.access })).status).toBe(401);
  });

  it("checks the mismatch and the password rules, and the link survives a failed attempt", async () => {
    const u = await registerUser();
    const link = await requestLink(u.email);
    const mismatch = await confirm(link.uid, link.token, NEW_PASSWORD, NEW_PASSWORD + "x");
    expect(mismatch.body).toEqual({ errors: { non_field_errors: ["Password and Confirm Password doesn't match"] } });
    const weak = await confirm(link.uid, link.token, "qwerty", "qwerty");
    expect(weak.body.errors.password).toEqual([
      "This password is too short. It must contain at least 8 characters.",
      "This password is too common.",
    ]);
    expect((await confirm(link.uid, link.token)).status).toBe(200);
  });

  it("with MAIL_TRANSPORT=log and no MAIL_API_KEY (local development) the mail, link included, goes to the log", async () => {
    const u = await registerUser();
    const logged: string[] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
      logged.push(args.map(String).join(" "));
    });
    try {
      const res = await api("/api/user/send-reset-password-email/", { body: { email: u.email }, vars: { MAIL_API_KEY: "", MAIL_TRANSPORT: "log" } });
      expect(res.status).toBe(200);
      const started = Date.now();
      while (!logged.some((l) => l.includes("[dev mail]")) && Date.now() - started < 3000) await new Promise((r) => setTimeout(r, 20));
    } finally {
      spy.mockRestore();
    }
    const mail = logged.find((l) => l.includes("[dev mail]"))!;
    expect(mail).toMatch(/http:\/\/localhost:3000\/api\/user\/reset\/[A-Za-z0-9_-]+\/[A-Za-z0-9_-]{43}\//);
    expect(mailbox.mails.filter((m) => m.to.includes(u.email))).toHaveLength(0);
  });

  it("a deployment without MAIL_API_KEY answers 503 and writes no link anywhere, for known and unknown addresses", async () => {
    const u = await registerUser();
    const logged: string[] = [];
    const capture = (...args: unknown[]) => void logged.push(args.map(String).join(" "));
    const spies = [vi.spyOn(console, "log").mockImplementation(capture), vi.spyOn(console, "error").mockImplementation(capture)];
    try {
      for (const email of [u.email, uniqueEmail("nobody")]) {
        const res = await api("/api/user/send-reset-password-email/", { body: { email }, vars: { MAIL_API_KEY: "" } });
        expect(res.status).toBe(503);
        expect(res.body).toEqual({ errors: { detail: "Service temporarily unavailable", code: "unavailable" } });
      }
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    expect(logged.some((l) => l.includes("[dev mail]") || /reset-password\/|api\/user\/reset\//.test(l))).toBe(false);
    expect(logged.filter((l) => l.includes("config_invalid") && l.includes("MAIL_API_KEY"))).toHaveLength(1);
    expect(mailbox.mails.filter((m) => m.to.includes(u.email))).toHaveLength(0);
  });

  it("the answer does not change when the provider fails", async () => {
    mailbox.restore();
    const failing = installMailbox(() => new Response("down", { status: 503 }));
    try {
      const u = await registerUser();
      const res = await api("/api/user/send-reset-password-email/", { body: { email: u.email } });
      expect(res.status).toBe(200);
      expect(res.body).toEqual(SENT);
      const started = Date.now();
      while (failing.attempts() < 2 && Date.now() - started < 3000) await new Promise((r) => setTimeout(r, 20));
      expect(failing.attempts()).toBe(2); // one retry, then given up
    } finally {
      failing.restore();
    }
  });
});
