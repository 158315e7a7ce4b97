import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { api, GOOD_PASSWORD, randomIp, registerUser } from "../support/api";
import { installMailbox, linkFrom } from "../support/mailbox";

let mailbox: ReturnType<typeof installMailbox>;
beforeEach(() => {
  mailbox = installMailbox();
});
afterEach(() => mailbox.restore());

describe("logins that race a reset", () => {
  it("20 concurrent logins with the old password and one reset: no session made with the old password works after the reset answered", async () => {
    const u = await registerUser();
    expect((await api("/api/user/send-reset-password-email/", { body: { email: u.email } })).status).toBe(200);
    const link = linkFrom(await mailbox.waitFor(u.email));
    const NEW = "Brand-New-Pass-42";

    // Each login from its own address, so only the race decides, not the rate limits.
    const logins = Array.from({ length: 20 }, () =>
      api("/api/user/login/", { body: { email: u.email, password: GOOD_PASSWORD }, headers: { "cf-connecting-ip": randomIp() } }),
    );
    const reset = api(`/api/user/reset-password/${link.uid}/${link.token}/`, { body: { password: NEW, password2: NEW } });
    const [resetRes, ...loginRes] = await Promise.all([reset, ...logins]);
    expect(resetRes.status).toBe(200);

    for (const res of loginRes) {
      expect([200, 401]).toContain(res.status);
      if (res.status !== 200) continue;
      expect((await api("/api/user/profile/", { token: res.body.token.access })).status).toBe(401);
      expect((await api("/api/token/refresh/", { body: { refresh: res.body.token.refresh } })).status).toBe(401);
    }
    // The new password works, the old one does not.
    expect((await api("/api/user/login/", { body: { email: u.email, password: NEW } })).status).toBe(200);
    expect((await api("/api/user/login/", { body: { email: u.email, password: GOOD_PASSWORD } })).status).toBe(401);
  });
});
