import { afterEach, describe, expect, it } from "vitest";
import { createAccountWithoutPassword, signIn } from "../../src/features/sign-in";
import { api, GOOD_PASSWORD, uniqueEmail } from "../support/api";
import { installMailbox } from "../support/mailbox";
import { ageSession, testDeps } from "./helpers";

let mailbox: ReturnType<typeof installMailbox> | undefined;
afterEach(() => mailbox?.restore());

const REAUTH = { errors: { detail: "Please sign in again to continue.", code: "reauthentication_required" } };

/** An account a provider created, signed in just now. */
async function passwordless() {
  const { d } = testDeps();
  const email = uniqueEmail("nopw");
  const { user } = await createAccountWithoutPassword(d, { email, name: null, tc: true, method: "oidc", provider: "acme" });
  const r = await signIn(d, user, { method: "oidc", provider: "acme" });
  if (r.kind !== "session") throw new Error("no session");
  return { email, access: r.pair.access, refresh: r.pair.refresh, sessionId: r.sessionId };
}

describe("a user without a password: a recent sign-in instead of current_password", () => {
  it("change password sets the first password with a recent sign-in, whatever current_password says", async () => {
    mailbox = installMailbox();
    const u = await passwordless();
    const res = await api("/api/user/changepassword/", { token: u.access, body: { current_password: "unused", password: GOOD_PASSWORD, password2: GOOD_PASSWORD } });
    expect(res.status).toBe(200);
    expect((await api("/api/user/login/", { body: { email: u.email, password: GOOD_PASSWORD } })).status).toBe(200);
  });

  it("an old sign-in is refused 403 reauthentication_required, on every route that asks for current_password", async () => {
    mailbox = installMailbox();
    const u = await passwordless();
    await ageSession(u.sessionId, 301);
    // A refresh now mints the session's old auth_time: refreshing does not count as signing in.
    const refreshed = await api("/api/token/refresh/", { body: { refresh: u.refresh } });
    expect(refreshed.status).toBe(200);
    u.access = refreshed.body.access;
    const calls = [
      api("/api/user/changepassword/", { token: u.access, body: { current_password: "x", password: GOOD_PASSWORD, password2: GOOD_PASSWORD } }),
      api("/api/user/mfa/totp/setup/", { token: u.access, body: { current_password: "x" } }),
      api("/api/user/change-email/", { token: u.access, body: { current_password: "x", new_email: uniqueEmail("new") } }),
    ];
    for (const res of await Promise.all(calls)) {
      expect(res.status).toBe(403);
      expect(res.body).toEqual(REAUTH);
    }
    // Nothing changed: the account still has no password.
    expect((await api("/api/user/login/", { body: { email: u.email, password: GOOD_PASSWORD } })).status).toBe(401);
  });

  it("TOTP setup and e-mail change go through with a recent sign-in", async () => {
    mailbox = installMailbox();
    const u = await passwordless();
    const setup = await api("/api/user/mfa/totp/setup/", { token: u.access, body: { current_password: "x" } });
    expect(setup.status).toBe(200);
    expect(setup.body.secret).toBeTruthy();
    const change = await api("/api/user/change-email/", { token: u.access, body: { current_password: "x", new_email: uniqueEmail("new") } });
    expect(change.status).toBe(200);
  });
});
