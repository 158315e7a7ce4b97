import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { api, GOOD_PASSWORD, registerUser, uniqueEmail } from "../support/api";
import { registerAdmin, userIdOf } from "../support/audit";
import { installMailbox, linkFrom } from "../support/mailbox";
import { awayFromStepEdge, codeFor, enrolledUser } from "../mfa/helpers";

// Issue 22 item 1: a proof issued for the old credentials dies with them (account/credentials.ts).
let mailbox: ReturnType<typeof installMailbox>;
beforeEach(() => {
  mailbox = installMailbox();
});
afterEach(() => mailbox.restore());

const INVALID = { errors: { non_field_errors: ["Token is not Valid or Expired"] } };
const NEW_PASSWORD = "an0ther-Long-passphrase";
type U = { email: string; password: string; access: string; refresh: string };

async function mailedLink(to: string, send: () => Promise<{ status: number }>) {
  const before = mailbox.countFor(to);
  expect((await send()).status).toBe(200);
  return linkFrom(await mailbox.waitFor(to, 5000, before));
}
const changeLink = (u: U, to = uniqueEmail("new")) =>
  mailedLink(to, () => api("/api/user/change-email/", { token: u.access, body: { new_email: to, current_password: u.password } }));
const confirm = (l: { uid: string; token: string }) => api(`/api/user/confirm-email-change/${l.uid}/${l.token}/`, { method: "POST" });
const resetLink = (u: U) => mailedLink(u.email, () => api("/api/user/send-reset-password-email/", { body: { email: u.email } }));
const verifyLink = (u: U) => mailedLink(u.email, () => api("/api/user/send-verification-email/", { body: { email: u.email } }));

async function expectDead(link: { uid: string; token: string }) {
  const res = await confirm(link);
  expect(res.status).toBe(400);
  expect(res.body).toEqual(INVALID);
}

describe("every credentials change kills outstanding e-mail-change links", () => {
  const events: [string, (u: U) => Promise<unknown>][] = [
    ["a password change", (u) => api("/api/user/changepassword/", { token: u.access, body: { password: NEW_PASSWORD, password2: NEW_PASSWORD, current_password: u.password } })],
    [
      "a password reset",
      async (u) => {
        const l = await resetLink(u);
        expect((await api(`/api/user/reset-password/${l.uid}/${l.token}/`, { body: { password: NEW_PASSWORD, password2: NEW_PASSWORD } })).status).toBe(200);
      },
    ],
    ["the user's logout-all", (u) => api("/api/user/logout-all/", { token: u.access, body: {} })],
    ["the user's logout-all keeping the current session", (u) => api("/api/user/logout-all/", { token: u.access, body: { keep_current: true } })],
    [
      "an admin's logout-all",
      async (u) => {
        const admin = await registerAdmin();
        expect((await api(`/api/admin/users/${await userIdOf(u.email)}/logout-all/`, { token: admin.access, body: {} })).status).toBe(200);
      },
    ],
    [
      "an admin's deactivation (and reactivation)",
      async (u) => {
        const admin = await registerAdmin();
        const path = `/api/admin/users/${await userIdOf(u.email)}/`;
        expect((await api(path, { method: "PATCH", token: admin.access, body: { is_active: false } })).status).toBe(200);
        expect((await api(path, { method: "PATCH", token: admin.access, body: { is_active: true } })).status).toBe(200);
      },
    ],
    [
      "MFA being enabled",
      async (u) => {
        const setup = await api("/api/user/mfa/totp/setup/", { token: u.access, body: { current_password: u.password } });
        await awayFromStepEdge();
        expect((await api("/api/user/mfa/totp/confirm/", { token: u.access, body: { code: await codeFor(setup.body.secret) } })).status).toBe(200);
      },
    ],
    ["a newer e-mail change request", (u) => changeLink(u)],
    [
      "a newer e-mail change request to a taken address",
      async (u) => {
        const other = await registerUser();
        expect((await api("/api/user/change-email/", { token: u.access, body: { new_email: other.email, current_password: u.password } })).status).toBe(200);
      },
    ],
  ];
  it.each(events)("%s", async (_, event) => {
    const u = await registerUser();
    const link = await changeLink(u);
    await event(u);
    await expectDead(link);
  });

  it("MFA being disabled", async () => {
    const u = await enrolledUser();
    const link = await changeLink(u);
    const off = await api("/api/user/mfa/disable/", { token: u.access, body: { current_password: u.password, code: await codeFor(u.secret, 1) } });
    expect(off.status).toBe(200);
    await expectDead(link);
  });

  it("an unrelated request (a verification mail) leaves the link alive", async () => {
    const u = await registerUser();
    const link = await changeLink(u);
    await verifyLink(u);
    expect((await confirm(link)).status).toBe(200);
  });
});

describe("a password change or reset also kills verification and reset links", () => {
  it("password change", async () => {
    const u = await registerUser();
    const [verify, reset] = [await verifyLink(u), await resetLink(u)];
    expect((await api("/api/user/changepassword/", { token: u.access, body: { password: NEW_PASSWORD, password2: NEW_PASSWORD, current_password: u.password } })).status).toBe(200);
    const v = await api(`/api/user/verify-email/${verify.uid}/${verify.token}/`, { method: "POST" });
    expect(v.status).toBe(400);
    expect(v.body).toEqual(INVALID);
    expect((await api(`/api/user/reset-password/${reset.uid}/${reset.token}/`, { body: { password: "yet-An0ther-passphrase", password2: "yet-An0ther-passphrase" } })).status).toBe(400);
  });

  it("password reset", async () => {
    const u = await registerUser();
    const verify = await verifyLink(u);
    const reset = await resetLink(u);
    expect((await api(`/api/user/reset-password/${reset.uid}/${reset.token}/`, { body: { password: NEW_PASSWORD, password2: NEW_PASSWORD } })).status).toBe(200);
    expect((await api(`/api/user/verify-email/${verify.uid}/${verify.token}/`, { method: "POST" })).status).toBe(400);
  });
});

describe("the old address hears of a completed change", () => {
  it("'Your email address was changed', naming the new address masked", async () => {
    const u = await registerUser();
    const to = uniqueEmail("moved");
    const link = await changeLink(u, to);
    const before = mailbox.countFor(u.email);
    expect((await confirm(link)).status).toBe(200);
    const notice = await mailbox.waitFor(u.email, 5000, before);
    expect(notice.subject).toBe("Your email address was changed");
    const [local, domain] = to.split("@") as [string, string];
    expect(notice.text).toContain(`${local[0]}***@${domain}`);
    expect(notice.text + notice.html).not.toContain(local);
    expect(notice.text).not.toContain(GOOD_PASSWORD);
  });
});
