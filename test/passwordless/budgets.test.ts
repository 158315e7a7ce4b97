import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { passwordlessCapability } from "../../src/features/passwordless";
import { api, randomIp, registerUser, uniqueEmail } from "../support/api";
import { installMailbox } from "../support/mailbox";
import { fakeService } from "../support/outbound";
import { INVALID_CODE, LOGIN, SIGNUP, start, startAndRead, STARTED, TC_REQUIRED, userRow, verify, wrongCode } from "./helpers";

let mailbox: ReturnType<typeof installMailbox>;
beforeEach(() => {
  mailbox = installMailbox();
});
afterEach(() => mailbox.restore());

const THROTTLED = (status: number, body: any) => status === 429 && body?.errors?.code === "throttled";

describe("the address's budgets (D1, across challenges and client addresses)", () => {
  it("10 wrong answers in 15 minutes across challenges: verify answers 429 for the address, the right code too; a new code does not reset it", async () => {
    const { email } = await registerUser();
    let wrong = 0;
    // Three challenges, 4 + 4 + 2 wrong answers (none killed by its own count of 5 but the last).
    for (const n of [4, 4, 2]) {
      const m = await startAndRead(mailbox, email);
      for (let i = 0; i < n; i++) {
        expect((await verify({ challenge_id: m.challenge_id, code: wrongCode(m.code) })).body).toEqual(INVALID_CODE);
        wrong++;
      }
    }
    expect(wrong).toBe(10);
    // Asking for a new code (better-auth#11162) does not reset the count: the right code is refused.
    const fresh = await startAndRead(mailbox, email);
    const right = await verify({ challenge_id: fresh.challenge_id, code: fresh.code });
    expect(THROTTLED(right.status, right.body)).toBe(true);
    expect(Number(right.headers.get("retry-after"))).toBeGreaterThan(800);
    const link = await verify({ challenge_id: fresh.challenge_id, token: fresh.token });
    expect(link.status).toBe(429);
    // Once the window has passed, the same right code works (the challenge was not spent).
    await env.DB.prepare("UPDATE failure_budgets SET window_start = window_start - 900001 WHERE kind = 'passwordless_verify' AND subject = ?").bind(email.toLowerCase()).run();
    expect((await verify({ challenge_id: fresh.challenge_id, code: fresh.code })).status).toBe(200);
  });

  it("the budget is per address: another address is not locked", async () => {
    const a = await registerUser();
    const b = await registerUser();
    for (const n of [4, 4, 2]) {
      const m = await startAndRead(mailbox, a.email);
      for (let i = 0; i < n; i++) await verify({ challenge_id: m.challenge_id, code: wrongCode(m.code) });
    }
    const mb = await startAndRead(mailbox, b.email);
    expect((await verify({ challenge_id: mb.challenge_id, code: mb.code })).status).toBe(200);
  });

  it("at most 5 starts per address per 15 minutes, known or not: the 6th is 429 and mails nothing", async () => {
    const known = (await registerUser()).email;
    for (const email of [known, uniqueEmail("nobody")]) {
      for (let i = 0; i < 5; i++) expect((await start(email)).status).toBe(200);
      const sixth = await start(email);
      expect(THROTTLED(sixth.status, sixth.body)).toBe(true);
    }
    expect(mailbox.countFor(known)).toBe(5);
  });
});

describe("per-IP limits", () => {
  it("start: 20 per minute from one client address, whatever the e-mails; then 429", async () => {
    const ip = randomIp();
    for (let i = 0; i < 20; i++) expect((await start(uniqueEmail("ip"), LOGIN, {}, { "cf-connecting-ip": ip })).status).toBe(200);
    const over = await start(uniqueEmail("ip"), LOGIN, {}, { "cf-connecting-ip": ip });
    expect(THROTTLED(over.status, over.body)).toBe(true);
  });

  it("verify: 30 per minute from one client address; then 429", async () => {
    const ip = randomIp();
    for (let i = 0; i < 30; i++) expect((await verify({ challenge_id: `nope-${i}`, code: "12345678" }, LOGIN, { "cf-connecting-ip": ip })).status).toBe(400);
    const over = await verify({ challenge_id: "nope", code: "12345678" }, LOGIN, { "cf-connecting-ip": ip });
    expect(THROTTLED(over.status, over.body)).toBe(true);
  });
});

describe("signup", () => {
  it("an unknown address with tc gets a mail (generic, without the typed name); verify creates the account: verified, no password, name and tc from start", async () => {
    const email = uniqueEmail("new");
    const m = await startAndRead(mailbox, email, SIGNUP, { name: "Zoë Newcomer", tc: true });
    // Not "Zo" alone: the link's random token holds it about once in a hundred mails.
    for (const body of [m.mail.text, m.mail.html]) expect(body).not.toMatch(/Newcomer|Zo(ë|&)/);
    expect(await userRow(email)).toBeNull();
    const res = await verify({ challenge_id: m.challenge_id, code: m.code }, SIGNUP);
    expect(res.status).toBe(200);
    expect(res.body.msg).toBe("Login Success");
    const row = (await userRow(email))!;
    expect(row).toMatchObject({ name: "Zoë Newcomer", tc: 1, email_verified: 1, is_active: 1 });
    // No password: a password login answers as for a wrong one.
    expect((await api("/api/user/login/", { body: { email, password: row.password } })).status).toBe(401);
  });

  it("without a name the account is named after the local part", async () => {
    const email = uniqueEmail("localpart");
    const m = await startAndRead(mailbox, email, SIGNUP, { tc: true });
    expect((await verify({ challenge_id: m.challenge_id, token: m.token }, SIGNUP)).status).toBe(200);
    expect((await userRow(email))!.name).toBe(email.slice(0, email.indexOf("@")));
  });

  it("a start without tc: true makes verify answer 400 under tc, and no account is made", async () => {
    for (const extra of [{}, { tc: false }]) {
      const email = uniqueEmail("notc");
      const m = await startAndRead(mailbox, email, SIGNUP, extra);
      expect((await verify({ challenge_id: m.challenge_id, code: m.code }, SIGNUP)).body).toEqual(TC_REQUIRED);
      expect(await userRow(email)).toBeNull();
    }
  });

  it("an address registered between start and verify is simply signed in (tc not asked)", async () => {
    const email = uniqueEmail("between");
    const m = await startAndRead(mailbox, email, SIGNUP);
    await registerUser({ email });
    const res = await verify({ challenge_id: m.challenge_id, code: m.code }, SIGNUP);
    expect(res.status).toBe(200);
    expect((await userRow(email))!.name).toBe("Test User");
  });

  it("under login, an unknown address gets no mail and no account", async () => {
    const email = uniqueEmail("login-unknown");
    const res = await start(email, LOGIN, { tc: true });
    expect(res.body.msg).toBe(STARTED);
    expect(mailbox.countFor(email)).toBe(0);
    expect(await userRow(email)).toBeNull();
    expect((await verify({ challenge_id: res.body.challenge_id, code: "12345678" })).body).toEqual(INVALID_CODE);
  });
});

describe("Turnstile on start (route email-start)", () => {
  const SITEVERIFY = "https://siteverify.test/turnstile/v0/siteverify";
  const vars = { ...LOGIN, TURNSTILE_SECRET: "test-turnstile-secret", TURNSTILE_VERIFY_URL: SITEVERIFY, TURNSTILE_TIMEOUT_MS: "300" };

  it("is checked before anything else: no token or a refused one mails nothing and counts no start; a live one mails", async () => {
    const siteverify = fakeService(new URL(SITEVERIFY).origin, async (req) => {
      const form = new URLSearchParams(await req.text());
      return Response.json({ success: form.get("response") === "pass" });
    });
    try {
      const { email } = await registerUser();
      const missing = await start(email, vars);
      expect(missing.body).toEqual({ errors: { turnstile_token: ["This field is required."] } });
      for (let i = 0; i < 6; i++) {
        const refused = await start(email, vars, { turnstile_token: "forged" });
        expect(refused.body).toEqual({ errors: { turnstile_token: ["Verification failed. Please try again."] } });
      }
      expect(mailbox.countFor(email)).toBe(0);
      // Refused requests spent none of the address's 5 starts.
      const ok = await start(email, vars, { turnstile_token: "pass" });
      expect(ok.status).toBe(200);
      expect(mailbox.countFor(email)).toBe(1);
    } finally {
      siteverify.restore();
    }
  });
});

describe("daily cleanup", () => {
  it("deletes expired challenges", async () => {
    const res = await start(uniqueEmail("cron"));
    expect(res.status).toBe(200);
    const count = () => env.DB.prepare("SELECT count(*) AS n FROM email_challenges WHERE expires_at <= ?").bind(Date.now() + 700_000).first<{ n: number }>();
    expect((await count())!.n).toBeGreaterThan(0);
    await passwordlessCapability.daily(env as never, Date.now() + 700_000);
    expect((await count())!.n).toBe(0);
  });
});
