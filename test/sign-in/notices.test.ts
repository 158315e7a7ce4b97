import { afterEach, describe, expect, it } from "vitest";
import { notifySecurityChange } from "../../src/features/sign-in";
import { installMailbox } from "../support/mailbox";
import { testDeps } from "./helpers";

let mailbox: ReturnType<typeof installMailbox> | undefined;
afterEach(() => mailbox?.restore());

describe("notifySecurityChange", () => {
  it.each([
    ["passkey_added", /passkey was added/i],
    ["identity_linked", /provider was linked/i],
    ["mfa_disabled", /two-factor authentication was turned off/i],
    ["password_changed", /password .*was changed/i],
  ] as const)("%s: a mail after the answer naming what, when, from which device, and how to undo it; no link", async (what, says) => {
    mailbox = installMailbox();
    const { d, settled } = testDeps({ client: { userAgent: "Mozilla/5.0 (X11) Firefox/131", country: "DE" } });
    const to = `notice.${what}.${Date.now()}@example.com`;
    notifySecurityChange(d, { id: 1, email: to }, what);
    // Nothing goes before the answer has left.
    expect(mailbox.countFor(to)).toBe(0);
    await settled();
    const mail = await mailbox.waitFor(to);
    expect(mail.subject).toMatch(says);
    expect(mail.text).toMatch(says);
    expect(mail.text).toContain("Firefox/131");
    expect(mail.text).toContain("DE");
    expect(mail.text).toMatch(/When: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    expect(mail.text).toMatch(/If this was not you/);
    expect(mail.text).not.toMatch(/https?:\/\//);
    expect(mail.html).not.toMatch(/href=/);
  });

  it("escapes the user agent in the HTML part", async () => {
    mailbox = installMailbox();
    const { d, settled } = testDeps({ client: { userAgent: "<script>x</script>", country: null } });
    const to = `notice.escape.${Date.now()}@example.com`;
    notifySecurityChange(d, { id: 1, email: to }, "password_changed");
    await settled();
    const mail = await mailbox.waitFor(to);
    expect(mail.html).not.toContain("<script>");
    expect(mail.html).toContain("&lt;script&gt;");
  });
});
