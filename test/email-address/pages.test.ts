import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { api, GOOD_PASSWORD, registerUser, uniqueEmail } from "../support/api";
import { installMailbox, linkFrom } from "../support/mailbox";

let mailbox: ReturnType<typeof installMailbox>;
beforeEach(() => {
  mailbox = installMailbox();
});
afterEach(() => mailbox.restore());

const FORM = "application/x-www-form-urlencoded";
const verified = async (email: string) =>
  (await env.DB.prepare("SELECT email_verified FROM users WHERE lower(email) = lower(?)").bind(email).first<{ email_verified: number }>())!.email_verified;

async function verifyLink(email: string) {
  const before = mailbox.countFor(email);
  await api("/api/user/send-verification-email/", { body: { email } });
  return linkFrom(await mailbox.waitFor(email, 5000, before));
}
const path = (url: string) => new URL(url).pathname;

describe("the verification page", () => {
  it("a scanner's GETs verify nothing; the button's POST does; the link then is dead", async () => {
    const u = await registerUser();
    const link = await verifyLink(u.email);
    for (let i = 0; i < 2; i++) {
      const page = await api(path(link.url));
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toContain("text/html");
      expect(page.body).toContain("Confirm your email address");
      expect(page.body).toContain(u.email);
      expect(page.body).toContain('<form method="post"');
      expect(page.body).not.toContain("<script");
      expect(page.headers.get("content-security-policy")).toMatch(/^default-src 'none'; style-src 'sha256-[^']+'; form-action 'self'/);
      expect(page.headers.get("cache-control")).toBe("no-store");
      expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    }
    expect(await verified(u.email)).toBe(0);
    const done = await api(path(link.url), { method: "POST", raw: "", contentType: FORM });
    expect(done.status).toBe(200);
    expect(done.body).toContain("Email address confirmed");
    expect(await verified(u.email)).toBe(1);
    const dead = await api(path(link.url));
    expect(dead.status).toBe(400);
    expect(dead.body).toContain("This link is no longer valid");
    expect(dead.body).toContain('action="/verify-email/resend/"');
  });

  it("an expired link says so and offers a form that sends a new link", async () => {
    const u = await registerUser();
    const link = await verifyLink(u.email);
    await env.DB.prepare("UPDATE mail_tokens SET expires_at = ? WHERE purpose = 'verify_email' AND email = ?").bind(Date.now() - 1, u.email).run();
    const page = await api(path(link.url));
    expect(page.status).toBe(400);
    expect(page.body).toContain("This link has expired");
    expect(page.body).toContain('name="email"');
    const post = await api(path(link.url), { method: "POST" });
    expect(post.status).toBe(400);
    expect(post.body).toContain("This link has expired");

    const before = mailbox.countFor(u.email);
    const sent = await api("/verify-email/resend/", { method: "POST", raw: `email=${encodeURIComponent(u.email)}`, contentType: FORM });
    expect(sent.status).toBe(200);
    expect(sent.body).toContain("Check your email");
    const fresh = linkFrom(await mailbox.waitFor(u.email, 5000, before));
    expect((await api(path(fresh.url), { method: "POST" })).status).toBe(200);
    expect(await verified(u.email)).toBe(1);
  });

  it("the resend form answers the same for an unknown address, and shows a field error for a bad one", async () => {
    const ghost = uniqueEmail("ghost");
    const sent = await api("/verify-email/resend/", { method: "POST", raw: `email=${encodeURIComponent(ghost)}`, contentType: FORM });
    expect(sent.status).toBe(200);
    expect(sent.body).toContain("Check your email");
    const bad = await api("/verify-email/resend/", { method: "POST", raw: "email=nope", contentType: FORM });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain("Enter a valid email address.");
    const empty = await api("/verify-email/resend/", { method: "POST", raw: "email=", contentType: FORM });
    expect(empty.body).toContain("Enter your email address.");
    expect((await api("/verify-email/resend/")).status).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    expect(mailbox.countFor(ghost)).toBe(0);
  });

  it("a tampered link is dead", async () => {
    const page = await api("/verify-email/MQ/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/");
    expect(page.status).toBe(400);
    expect(page.body).toContain("This link is no longer valid");
  });
});

describe("the e-mail change page", () => {
  it("GET shows both addresses and changes nothing; POST changes the address", async () => {
    const u = await registerUser();
    const to = uniqueEmail("page");
    await api("/api/user/change-email/", { token: u.access, body: { new_email: to, current_password: GOOD_PASSWORD } });
    const link = linkFrom(await mailbox.waitFor(to));
    for (let i = 0; i < 2; i++) {
      const page = await api(path(link.url));
      expect(page.status).toBe(200);
      expect(page.body).toContain(u.email);
      expect(page.body).toContain(to);
      expect(page.body).not.toContain("<script");
    }
    expect((await api("/api/user/profile/", { token: u.access })).body.email).toBe(u.email);
    const done = await api(path(link.url), { method: "POST" });
    expect(done.status).toBe(200);
    expect(done.body).toContain("Email address changed");
    expect((await api("/api/user/profile/", { token: u.access })).body.email).toBe(to);
    const dead = await api(path(link.url));
    expect(dead.status).toBe(400);
    expect(dead.body).toContain("ask for the change again");
  });
});
