import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { api, GOOD_PASSWORD, uniqueEmail } from "../support/api";
import { installMailbox } from "../support/mailbox";

let mailbox: ReturnType<typeof installMailbox>;
beforeEach(() => {
  mailbox = installMailbox();
});
afterEach(() => mailbox.restore());

const register = (name: string, email = uniqueEmail()) =>
  api("/api/user/register/", { body: { email, name, password: GOOD_PASSWORD, password2: GOOD_PASSWORD, tc: true } });

describe("names cannot carry text that rewrites our mails", () => {
  it.each([
    ["a line feed", "Eve\nBcc: victim@example.com"],
    ["a carriage return", "Eve\rX"],
    ["NUL", "Eve\u0000"],
    ["a line separator", "Eve\u2028Reset here: https://evil.test"],
    ["a paragraph separator", "Eve\u2029Smith"],
    ["a right-to-left override", "Eve\u202Egnp.exe"],
    ["a bidi isolate", "Eve\u2066x\u2069"],
    ["a zero-width space", "E\u200Bve"],
    ["a BOM", "E\uFEFFve"],
  ])("refuses %s with a 400 under name, and stores nothing", async (_, name) => {
    const email = uniqueEmail("ctrl");
    const res = await register(name, email);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ errors: { name: ["This field may not contain control or formatting characters."] } });
    expect((await api("/api/user/login/", { body: { email, password: GOOD_PASSWORD } })).status).toBe(401);
  });

  it("keeps names that need joiners: Persian with ZWNJ, an emoji family with ZWJ", async () => {
    for (const name of ["\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645", "Ada \u{1F469}\u200D\u{1F469}\u200D\u{1F467}"]) {
      expect((await register(name)).status).toBe(201);
    }
  });

  it("the reset mail shows a long, marked-up name bounded and escaped", async () => {
    const email = uniqueEmail("long");
    const name = `<b>${"A".repeat(190)}</b>`;
    expect((await register(name, email)).status).toBe(201);
    expect((await api("/api/user/send-reset-password-email/", { body: { email } })).status).toBe(200);
    const mail = await mailbox.waitFor(email);
    const greeting = mail.text.split("\n")[0]!;
    expect([...greeting].length).toBeLessThanOrEqual("Hello ,".length + 60);
    expect(greeting).toMatch(/…,$/);
    expect(mail.html).not.toContain("<b>");
    expect(mail.html).toContain("&lt;b&gt;");
  });
});
