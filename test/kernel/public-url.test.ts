import { exports } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { api, GOOD_PASSWORD, registerUser, uniqueEmail } from "../support/api";
import { installMailbox, linkFrom } from "../support/mailbox";

let mailbox: ReturnType<typeof installMailbox>;
beforeEach(() => {
  mailbox = installMailbox();
});
afterEach(() => mailbox.restore());

// A request as an attacker sends it: to the worker, but naming another host in every header
// a proxy might pass on. Links must still point at PUBLIC_URL (the suite's https://auth.test).
const EVIL = { host: "evil.example", "x-forwarded-host": "evil.example", forwarded: "host=evil.example;proto=https", "x-forwarded-proto": "https" };
async function evilPost(path: string, body: unknown, token?: string) {
  const headers: Record<string, string> = { ...EVIL, "content-type": "application/json", "cf-connecting-ip": `198.51.100.${Math.floor(Math.random() * 250) + 1}` };
  if (token) headers.authorization = `Bearer ${token}`;
  return exports.default.fetch(new Request(`https://evil.example${path}`, { method: "POST", headers, body: JSON.stringify(body) }));
}

describe("links come from configuration, never from the request (issue 22 item 6)", () => {
  it("verification, e-mail change and reset links use PUBLIC_URL whatever Host says", async () => {
    const u = await registerUser();
    expect((await evilPost("/api/user/send-verification-email/", { email: u.email })).status).toBe(200);
    const verify = linkFrom(await mailbox.waitFor(u.email));
    expect(verify.url.startsWith("https://auth.test/verify-email/")).toBe(true);

    const target = uniqueEmail("moved");
    expect((await evilPost("/api/user/change-email/", { new_email: target, current_password: u.password }, u.access)).status).toBe(200);
    expect(linkFrom(await mailbox.waitFor(target)).url.startsWith("https://auth.test/confirm-email-change/")).toBe(true);

    // Reset with no front-end URL configured: the worker's own page at PUBLIC_URL.
    const before = mailbox.countFor(u.email);
    const reset = await api("/api/user/send-reset-password-email/", { body: { email: u.email }, headers: EVIL, vars: { PASSWORD_RESET_URL: "" } });
    expect(reset.status).toBe(200);
    expect(linkFrom(await mailbox.waitFor(u.email, 5000, before)).url.startsWith("https://auth.test/reset-password/")).toBe(true);
    expect(mailbox.mails.some((m) => m.text.includes("evil.example"))).toBe(false);
  });

  it("without PUBLIC_URL, only routes that would mail a link to the worker's own pages answer 503", async () => {
    const unset = { PUBLIC_URL: "", PASSWORD_RESET_URL: "" };
    const u = await registerUser();
    const reset = await api("/api/user/send-reset-password-email/", { body: { email: u.email }, vars: unset });
    expect(reset.status).toBe(503);
    expect((await api("/api/user/send-verification-email/", { body: { email: u.email }, vars: unset })).status).toBe(503);
    const change = await api("/api/user/change-email/", { token: u.access, body: { new_email: uniqueEmail("x"), current_password: u.password }, vars: unset });
    expect(change.status).toBe(503);
    const email = uniqueEmail("optional");
    const reg = { email, name: "N", password: GOOD_PASSWORD, password2: GOOD_PASSWORD, tc: true };
    expect((await api("/api/user/register/", { body: reg, vars: { ...unset, EMAIL_VERIFICATION: "optional" } })).status).toBe(503);

    // Everything else works as before.
    expect((await api("/api/user/register/", { body: { ...reg, email: uniqueEmail("none") }, vars: unset })).status).toBe(201);
    expect((await api("/api/user/login/", { body: { email: u.email, password: u.password }, vars: unset })).status).toBe(200);
    expect((await api("/api/user/profile/", { token: u.access, vars: unset })).status).toBe(200);
    // A front end's URL, when configured, needs no PUBLIC_URL.
    const front = await api("/api/user/send-reset-password-email/", { body: { email: u.email }, vars: { PUBLIC_URL: "" } });
    expect(front.status).toBe(200);
    expect(linkFrom(await mailbox.waitFor(u.email)).url.startsWith("http://localhost:3000/api/user/reset/")).toBe(true);
  });
});
