import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { createAccountWithoutPassword, signIn } from "../../src/features/sign-in";
import { api, GOOD_PASSWORD, registerUser, uniqueEmail } from "../support/api";
import { installMailbox, linkFrom } from "../support/mailbox";
import { awayFromStepEdge, codeFor, enrolledUser } from "../mfa/helpers";
import { testDeps } from "./helpers";

let mailbox: ReturnType<typeof installMailbox> | undefined;
afterEach(() => mailbox?.restore());

describe("has_password", () => {
  it("is true for a registered account, false for one without a password or with an unusable imported hash", async () => {
    const u = await registerUser();
    expect((await api("/api/user/profile/", { token: u.access })).body.has_password).toBe(true);

    const { d } = testDeps();
    const { user } = await createAccountWithoutPassword(d, { email: uniqueEmail("nopw"), name: null, tc: true, method: "oidc", provider: "acme" });
    const r = await signIn(d, user, { method: "oidc", provider: "acme" });
    if (r.kind !== "session") throw new Error("no session");
    const profile = await api("/api/user/profile/", { token: r.pair.access });
    expect(profile.body).toMatchObject({ has_password: false, email_verified: true });

    const imported = await registerUser();
    await env.DB.prepare("UPDATE users SET password = '!unusable-django-hash' WHERE email = ?").bind(imported.email).run();
    expect((await api("/api/user/profile/", { token: imported.access })).body.has_password).toBe(false);
  });

  it("the reset mail sets the first password of an account without one", async () => {
    mailbox = installMailbox();
    const { d } = testDeps();
    const email = uniqueEmail("firstpw");
    await createAccountWithoutPassword(d, { email, name: null, tc: true, method: "email" });
    expect((await api("/api/user/send-reset-password-email/", { body: { email } })).status).toBe(200);
    const mail = await mailbox.waitFor(email);
    const { uid, token } = linkFrom(mail);
    const confirm = await api(`/api/user/reset-password/${uid}/${token}/`, { body: { password: GOOD_PASSWORD, password2: GOOD_PASSWORD } });
    expect(confirm.status).toBe(200);
    const login = await api("/api/user/login/", { body: { email, password: GOOD_PASSWORD } });
    expect(login.status).toBe(200);
    expect((await api("/api/user/profile/", { token: login.body.token.access })).body.has_password).toBe(true);
  });
});

describe("security notices from the capabilities below", () => {
  it("a password change mails the account's address", async () => {
    mailbox = installMailbox();
    const u = await registerUser();
    const next = GOOD_PASSWORD + "-2";
    const res = await api("/api/user/changepassword/", { token: u.access, body: { current_password: u.password, password: next, password2: next }, headers: { "user-agent": "NoticeAgent/1.0" } });
    expect(res.status).toBe(200);
    const mail = await mailbox.waitFor(u.email);
    expect(mail.subject).toBe("Your password was changed");
    expect(mail.text).toContain("NoticeAgent/1.0");
  });

  it("disabling MFA mails the account's address", async () => {
    const u = await enrolledUser();
    mailbox = installMailbox();
    await awayFromStepEdge();
    const res = await api("/api/user/mfa/disable/", { token: u.access, body: { current_password: u.password, code: await codeFor(u.secret, 1) } });
    expect(res.status).toBe(200);
    const mail = await mailbox.waitFor(u.email);
    expect(mail.subject).toBe("Two-factor authentication was turned off");
  });

  it("a wrong current password sends nothing", async () => {
    mailbox = installMailbox();
    const u = await registerUser();
    const res = await api("/api/user/changepassword/", { token: u.access, body: { current_password: "wrong-one-1", password: GOOD_PASSWORD + "3", password2: GOOD_PASSWORD + "3" } });
    expect(res.status).toBe(400);
    await new Promise((r) => setTimeout(r, 200));
    expect(mailbox.countFor(u.email)).toBe(0);
  });
});
