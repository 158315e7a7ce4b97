import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import app from "../../src/app";
import { api, BASE, claimsOf, envWith, randomIp, registerUser, uniqueEmail } from "../support/api";
import { installMailbox } from "../support/mailbox";
import { enrolledUser, codeFor, awayFromStepEdge } from "../mfa/helpers";
import { DEAD, deactivate, FRONT, INVALID_CODE, INVALID_TOKEN, LOGIN, readMail, start, startAndRead, STARTED, userRow, verify, wrongCode } from "./helpers";

let mailbox: ReturnType<typeof installMailbox>;
beforeEach(() => {
  mailbox = installMailbox();
});
afterEach(() => mailbox.restore());

const NOT_FOUND = { errors: { detail: "Not found.", code: "not_found" } };

describe("settings", () => {
  it("off (the default): both routes answer 404 and nothing is mailed", async () => {
    const { email } = await registerUser();
    for (const vars of [undefined, { PASSWORDLESS: "off", PASSWORDLESS_URL: FRONT }]) {
      const s = await api("/api/auth/email/start/", { body: { email }, vars });
      expect(s.status).toBe(404);
      expect(s.body).toEqual(NOT_FOUND);
      const v = await api("/api/auth/email/verify/", { body: { challenge_id: "x", code: "12345678" }, vars });
      expect(v.body).toEqual(NOT_FOUND);
    }
    expect(mailbox.countFor(email)).toBe(0);
  });

  it.each<Record<string, string>>([{ PASSWORDLESS: "login" }, { PASSWORDLESS: "signup" }, { PASSWORDLESS: "yes", PASSWORDLESS_URL: FRONT }, { PASSWORDLESS: "login", PASSWORDLESS_URL: "not a url" }])(
    "invalid settings %o: 503 configuration error",
    async (vars) => {
      const res = await api("/api/auth/email/start/", { body: { email: uniqueEmail() }, vars });
      expect(res.status).toBe(503);
    },
  );
});

describe("start", () => {
  it("a missing or malformed e-mail: 400 under email", async () => {
    expect((await start("not-an-address")).body).toEqual({ errors: { email: ["Enter a valid email address."] } });
    const missing = await api("/api/auth/email/start/", { body: {}, vars: LOGIN });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ errors: { email: ["This field is required."] } });
  });

  it("a registered user gets one mail: the 8-digit code once outside the link, the link to PASSWORDLESS_URL, a generic greeting", async () => {
    const { email } = await registerUser({ name: "Quentin Requester" });
    const res = await start(email, LOGIN, { name: "Injected Name" });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ challenge_id: expect.any(String), msg: STARTED });
    const mail = await mailbox.waitFor(email);
    const read = readMail(mail);
    expect(read.challengeId).toBe(res.body.challenge_id);
    expect(read.code).toMatch(/^\d{8}$/);
    expect(read.url.startsWith(`${FRONT}/`)).toBe(true);
    expect(mail.text.startsWith("Hello,")).toBe(true);
    for (const text of [mail.text, mail.html]) {
      expect(text).not.toContain("Quentin");
      expect(text).not.toContain("Injected");
    }
    expect(mailbox.countFor(email)).toBe(1);
  });
});

describe("no enumeration", () => {
  it("known, unknown and inactive addresses get the same answer; only the known active one gets a mail", async () => {
    const known = (await registerUser()).email;
    const inactive = (await registerUser()).email;
    await deactivate(inactive);
    const unknown = uniqueEmail("nobody");
    const answers = [];
    for (const email of [known, unknown, inactive]) answers.push(await start(email));
    const ids = new Set(answers.map((a) => a.body.challenge_id));
    expect(ids.size).toBe(3);
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(Object.keys(a.body).sort()).toEqual(["challenge_id", "msg"]);
      expect(a.body.msg).toBe(STARTED);
      expect(a.body.challenge_id).toMatch(/^[A-Za-z0-9_-]{24}$/);
      expect(a.headers.get("content-length")).toBe(answers[0]!.headers.get("content-length"));
    }
    expect(mailbox.countFor(known)).toBe(1);
    expect(mailbox.countFor(unknown)).toBe(0);
    expect(mailbox.countFor(inactive)).toBe(0);
    // Verifying tells nothing either: a wrong code is the same 400 for every one of them.
    for (const a of answers) expect((await verify({ challenge_id: a.body.challenge_id, code: "00000000" })).body).toEqual(INVALID_CODE);
  });

  it("a fresh challenge id each time for the same address", async () => {
    const email = uniqueEmail("nobody");
    const a = await start(email);
    const b = await start(email);
    expect(a.body.challenge_id).not.toBe(b.body.challenge_id);
  });

  it("known and unknown addresses take a similar time to answer, even with a slow mail provider (medians within 75 ms)", async () => {
    const known = (await registerUser()).email;
    // A provider that takes 200 ms: a mail sent before the answer would show in the known times.
    mailbox.restore();
    mailbox = installMailbox(() => new Promise((r) => setTimeout(() => r(Response.json({ id: "slow" })), 200)));
    // Time to the answer only (as a client sees it): the mail leaves after it, in waitUntil.
    const timed = async (email: string) => {
      const ctx = createExecutionContext();
      const req = new Request(`${BASE}/api/auth/email/start/`, { method: "POST", headers: { "content-type": "application/json", "cf-connecting-ip": randomIp() }, body: JSON.stringify({ email }) });
      const t0 = performance.now();
      const res = await app.fetch(req, envWith(LOGIN), ctx);
      const dt = performance.now() - t0;
      expect(res.status).toBe(200);
      await res.text();
      await waitOnExecutionContext(ctx);
      return dt;
    };
    await timed(uniqueEmail("warm"));
    const times = { known: [] as number[], unknown: [] as number[] };
    for (let i = 0; i < 5; i++) {
      times.known.push(await timed(known));
      times.unknown.push(await timed(uniqueEmail("t")));
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    expect(Math.abs(median(times.known) - median(times.unknown))).toBeLessThan(75);
    expect(mailbox.countFor(known)).toBe(5);
  });
});

describe("verify", () => {
  it("the mailed code signs in: the login answer, amr [\"email\"], and the profile works", async () => {
    const { email } = await registerUser();
    const m = await startAndRead(mailbox, email);
    const res = await verify({ challenge_id: m.challenge_id, code: m.code });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ token: { refresh: expect.any(String), access: expect.any(String) }, msg: "Login Success" });
    expect(claimsOf(res.body.token.access).amr).toEqual(["email"]);
    const profile = await api("/api/user/profile/", { token: res.body.token.access });
    expect(profile.status).toBe(200);
    expect(profile.body.email).toBe(email);
  });

  it("the code works once; the link token after it is dead too", async () => {
    const { email } = await registerUser();
    const m = await startAndRead(mailbox, email);
    expect((await verify({ challenge_id: m.challenge_id, code: m.code })).status).toBe(200);
    expect((await verify({ challenge_id: m.challenge_id, code: m.code })).body).toEqual(DEAD);
    expect((await verify({ challenge_id: m.challenge_id, token: m.token })).body).toEqual(DEAD);
  });

  it("the link's token works once (the page POSTs it); the code after it is dead", async () => {
    const { email } = await registerUser();
    const m = await startAndRead(mailbox, email);
    const res = await verify({ challenge_id: m.challengeId, token: m.token });
    expect(res.status).toBe(200);
    expect(claimsOf(res.body.token.access).amr).toEqual(["email"]);
    expect((await verify({ challenge_id: m.challengeId, token: m.token })).body).toEqual(DEAD);
    expect((await verify({ challenge_id: m.challengeId, code: m.code })).body).toEqual(DEAD);
  });

  it("of two concurrent right answers exactly one signs in", async () => {
    const { email } = await registerUser();
    const m = await startAndRead(mailbox, email);
    const both = await Promise.all([verify({ challenge_id: m.challenge_id, code: m.code }), verify({ challenge_id: m.challenge_id, token: m.token })]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 400]);
  });

  it("wrong code: 400 under code; wrong token: 400 under token; the 5th wrong answer kills the challenge", async () => {
    const { email } = await registerUser();
    const m = await startAndRead(mailbox, email);
    expect((await verify({ challenge_id: m.challenge_id, code: wrongCode(m.code) })).body).toEqual(INVALID_CODE);
    expect((await verify({ challenge_id: m.challenge_id, token: "A".repeat(43) })).body).toEqual(INVALID_TOKEN);
    for (let i = 0; i < 2; i++) expect((await verify({ challenge_id: m.challenge_id, code: wrongCode(m.code) })).body).toEqual(INVALID_CODE);
    // After four wrong answers the challenge still works...
    const other = await registerUser();
    const o = await startAndRead(mailbox, other.email);
    for (let i = 0; i < 4; i++) await verify({ challenge_id: o.challenge_id, code: wrongCode(o.code) });
    expect((await verify({ challenge_id: o.challenge_id, code: o.code })).status).toBe(200);
    // ...the fifth kills it: the right code is then refused as for a dead challenge.
    expect((await verify({ challenge_id: m.challenge_id, code: wrongCode(m.code) })).body).toEqual(INVALID_CODE);
    expect((await verify({ challenge_id: m.challenge_id, code: m.code })).body).toEqual(DEAD);
    expect((await verify({ challenge_id: m.challenge_id, token: m.token })).body).toEqual(DEAD);
  });

  it("any shape is looked up as given: never a shape error", async () => {
    const { email } = await registerUser();
    const m = await startAndRead(mailbox, email);
    for (const challenge_id of [123, "", "x".repeat(5000), null, { a: 1 }, [m.challenge_id], true]) {
      expect((await verify({ challenge_id, code: m.code })).body).toEqual(DEAD);
    }
    // Four wrong answers per challenge at most (the 5th kills), seven in all (the address's budget is 10).
    const shapes = [Number(wrongCode(m.code)), "", "abc", null, { a: 1 }, [m.code], "1".repeat(5000)];
    for (const code of shapes.slice(0, 4)) expect((await verify({ challenge_id: m.challenge_id, code })).body).toEqual(INVALID_CODE);
    const n = await startAndRead(mailbox, email);
    for (const code of shapes.slice(4)) expect((await verify({ challenge_id: n.challenge_id, code })).body).toEqual(INVALID_CODE);
    const other = await registerUser();
    const o = await startAndRead(mailbox, other.email);
    for (const token of [0, "", null, { t: 1 }]) expect((await verify({ challenge_id: o.challenge_id, token })).body).toEqual(INVALID_TOKEN);
    // A number that is the right code counts as the code (looked up as given).
    if (!o.code.startsWith("0")) expect((await verify({ challenge_id: o.challenge_id, code: Number(o.code) })).status).toBe(200);
  });

  it("missing fields: 400 required", async () => {
    expect((await verify({ code: "12345678" })).body).toEqual({ errors: { challenge_id: ["This field is required."] } });
    expect((await verify({ challenge_id: "abc" })).body).toEqual({ errors: { code: ["This field is required."] } });
  });

  it("a newer challenge for the same address kills the older ones", async () => {
    const { email } = await registerUser();
    const first = await startAndRead(mailbox, email);
    const second = await startAndRead(mailbox, email);
    expect((await verify({ challenge_id: first.challenge_id, code: first.code })).body).toEqual(DEAD);
    expect((await verify({ challenge_id: first.challenge_id, token: first.token })).body).toEqual(DEAD);
    expect((await verify({ challenge_id: second.challenge_id, code: second.code })).status).toBe(200);
  });

  it("a credentials change (logout-all) kills a pending challenge", async () => {
    const u = await registerUser();
    const m = await startAndRead(mailbox, u.email);
    expect((await api("/api/user/logout-all/", { token: u.access, method: "POST", body: {} })).status).toBeLessThan(300);
    expect((await verify({ challenge_id: m.challenge_id, code: m.code })).body).toEqual(DEAD);
  });

  it("an account deactivated after the start is not signed in", async () => {
    const { email } = await registerUser();
    const m = await startAndRead(mailbox, email);
    await deactivate(email);
    expect((await verify({ challenge_id: m.challenge_id, code: m.code })).body).toEqual(DEAD);
  });

  it("it marks an unverified address verified", async () => {
    const { email } = await registerUser();
    expect((await userRow(email))!.email_verified).toBe(0);
    const m = await startAndRead(mailbox, email);
    expect((await verify({ challenge_id: m.challenge_id, code: m.code })).status).toBe(200);
    expect((await userRow(email))!.email_verified).toBe(1);
  });

  it("an MFA user gets the mfa_token step, finished with TOTP: amr [\"email\",\"otp\"]", async () => {
    const u = await enrolledUser();
    const m = await startAndRead(mailbox, u.email);
    const res = await verify({ challenge_id: m.challenge_id, code: m.code });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ mfa_required: true, mfa_token: expect.any(String), msg: "Two-factor authentication required" });
    await awayFromStepEdge();
    const done = await api("/api/user/mfa/verify/", { body: { mfa_token: res.body.mfa_token, code: await codeFor(u.secret, 1) } });
    expect(done.status).toBe(200);
    expect(claimsOf(done.body.token.access).amr).toEqual(["email", "otp"]);
  });
});
