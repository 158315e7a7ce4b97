import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { api, GOOD_PASSWORD, registerUser, uniqueEmail } from "../support/api";
import { installMailbox } from "../support/mailbox";

let mailbox: ReturnType<typeof installMailbox>;
beforeEach(() => {
  mailbox = installMailbox();
});
afterEach(() => mailbox.restore());

// Issue 22 item 5: whoever types someone else's address must not get to write into that
// inbox. The name is the requester's text, so unproven addresses are greeted generically.
const NAME = "Call 555-0100 to claim your prize";

describe("mail to an address nobody has proven carries no requester text", () => {
  it("registration and verification mails greet generically", async () => {
    const email = uniqueEmail("unproven");
    const body = { email, name: NAME, password: GOOD_PASSWORD, password2: GOOD_PASSWORD, tc: true };
    expect((await api("/api/user/register/", { body, vars: { EMAIL_VERIFICATION: "optional" } })).status).toBe(201);
    const first = await mailbox.waitFor(email);
    expect((await api("/api/user/send-verification-email/", { body: { email } })).status).toBe(200);
    const second = await mailbox.waitFor(email, 5000, 1);
    for (const mail of [first, second]) {
      expect(mail.text.startsWith("Hello,\n")).toBe(true);
      expect(mail.text + mail.html + mail.subject).not.toContain("555-0100");
    }
  });

  it("the link to a new address and the notice that it is taken greet generically", async () => {
    const u = await registerUser({ name: NAME });
    const free = uniqueEmail("new");
    expect((await api("/api/user/change-email/", { token: u.access, body: { new_email: free, current_password: u.password } })).status).toBe(200);
    const taken = await registerUser();
    expect((await api("/api/user/change-email/", { token: u.access, body: { new_email: taken.email, current_password: u.password } })).status).toBe(200);
    for (const mail of [await mailbox.waitFor(free), await mailbox.waitFor(taken.email)]) {
      expect(mail.text.startsWith("Hello,")).toBe(true);
      expect(mail.text + mail.html + mail.subject).not.toContain("555-0100");
    }
  });
});
