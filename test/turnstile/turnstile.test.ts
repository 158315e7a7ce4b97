import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { api, GOOD_PASSWORD, randomIp, registerUser, uniqueEmail } from "../support/api";
import { installMailbox } from "../support/mailbox";
import { fakeService, hang } from "../support/outbound";

const SITEVERIFY = "https://siteverify.test/turnstile/v0/siteverify";
const SECRET = "test-turnstile-secret";
const ON = { TURNSTILE_SECRET: SECRET, TURNSTILE_VERIFY_URL: SITEVERIFY };
/** The unavailable cases hang for a short while only; the default 5 s is its own test. */
const ON_FAST = { ...ON, TURNSTILE_TIMEOUT_MS: "300" };

const REQUIRED = { errors: { turnstile_token: ["This field is required."] } };
const FAILED = { errors: { turnstile_token: ["Verification failed. Please try again."] } };
const UNAVAILABLE = { errors: { detail: "Verification is unavailable. Please try again later.", code: "turnstile_unavailable" } };

type Mode = "normal" | "unreachable" | "hang" | "500" | "html";
let mode: Mode = "normal";
let mailbox: ReturnType<typeof installMailbox>;
let siteverify: ReturnType<typeof fakeService>;

// The fake siteverify: "pass" is a live token, anything else is refused.
beforeEach(() => {
  mode = "normal";
  mailbox = installMailbox();
  siteverify = fakeService(new URL(SITEVERIFY).origin, async (req) => {
    if (mode === "unreachable") throw new TypeError("Network connection lost.");
    if (mode === "hang") return hang(req);
    if (mode === "500") return new Response("oops", { status: 500 });
    if (mode === "html") return new Response("<html>Bad gateway</html>", { status: 200, headers: { "content-type": "text/html" } });
    const form = new URLSearchParams(new TextDecoder().decode(await req.arrayBuffer()));
    return form.get("response") === "pass" ? Response.json({ success: true }) : Response.json({ success: false, "error-codes": ["invalid-input-response"] });
  });
});
afterEach(() => {
  siteverify.restore();
  mailbox.restore();
});

const userRow = (email: string) => env.DB.prepare("SELECT id FROM users WHERE lower(email) = lower(?)").bind(email).first();

/**
 * The default guarded routes, each with a body for a request that, let through, would make
 * an account or send a mail, and a check that it did (or, refused, did not).
 */
const ROUTES = [
  {
    name: "register",
    path: "/api/user/register/",
    ok: 201,
    async setup() {
      const email = uniqueEmail("ts-reg");
      return { email, body: { email, name: "Tess", password: GOOD_PASSWORD, password2: GOOD_PASSWORD, tc: true } };
    },
    // EMAIL_VERIFICATION=optional: a registration also mails a verification link.
    async madeSomething(email: string) {
      return (await userRow(email)) !== null || mailbox.countFor(email) > 0;
    },
  },
  {
    name: "reset",
    path: "/api/user/send-reset-password-email/",
    ok: 200,
    async setup() {
      const { email } = await registerUser();
      return { email, body: { email } };
    },
    async madeSomething(email: string) {
      return mailbox.countFor(email) > 0;
    },
  },
  {
    name: "verification",
    path: "/api/user/send-verification-email/",
    ok: 200,
    async setup() {
      const { email } = await registerUser();
      return { email, body: { email } };
    },
    async madeSomething(email: string) {
      return mailbox.countFor(email) > 0;
    },
  },
] as const;

const vars = { ...ON_FAST, EMAIL_VERIFICATION: "optional" };

describe.each(ROUTES)("Turnstile on $path (default TURNSTILE_ROUTES)", (route) => {
  it("without turnstile_token: 400 before any other field is looked at; nothing made, siteverify not asked", async () => {
    const { email, body } = await route.setup();
    const res = await api(route.path, { body, vars });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(REQUIRED);
    // An empty body names only the token, not the route's own required fields.
    const empty = await api(route.path, { body: {}, vars });
    expect(empty.body).toEqual(REQUIRED);
    const blank = await api(route.path, { body: { ...body, turnstile_token: "" }, vars });
    expect(blank.body).toEqual(REQUIRED);
    expect(siteverify.served).toHaveLength(0);
    expect(await route.madeSomething(email)).toBe(false);
  });

  it("a token siteverify refuses: 400, nothing made; siteverify got secret, response and remoteip, form-encoded", async () => {
    const { email, body } = await route.setup();
    const ip = randomIp();
    const res = await api(route.path, { body: { ...body, turnstile_token: "forged" }, vars, headers: { "cf-connecting-ip": ip } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(FAILED);
    expect(siteverify.served).toHaveLength(1);
    const call = siteverify.served[0]!;
    expect(call.method).toBe("POST");
    expect(call.url).toBe(SITEVERIFY);
    expect(call.headers["content-type"]).toMatch(/^application\/x-www-form-urlencoded/);
    expect(Object.fromEntries(new URLSearchParams(call.body!))).toEqual({ secret: SECRET, response: "forged", remoteip: ip });
    // A token of another type is refused without asking.
    const typed = await api(route.path, { body: { ...body, turnstile_token: 42 }, vars });
    expect(typed.body).toEqual(FAILED);
    expect(siteverify.served).toHaveLength(1);
    expect(await route.madeSomething(email)).toBe(false);
  });

  it("a live token: the route does its work; with a bad other field, validation answers as before", async () => {
    const { email, body } = await route.setup();
    const res = await api(route.path, { body: { ...body, turnstile_token: "pass" }, vars });
    expect(res.status).toBe(route.ok);
    expect(await route.madeSomething(email)).toBe(true);
    const invalid = await api(route.path, { body: { ...body, email: "not-an-address", turnstile_token: "pass" }, vars });
    expect(invalid.status).toBe(400);
    expect(invalid.body).toEqual({ errors: { email: ["Enter a valid email address."] } });
  });

  it.each(["unreachable", "hang", "500", "html"] as const)("siteverify %s: 503 turnstile_unavailable (fails closed), nothing made", async (m) => {
    const { email, body } = await route.setup();
    mode = m;
    const started = Date.now();
    const res = await api(route.path, { body: { ...body, turnstile_token: "pass" }, vars });
    expect(res.status).toBe(503);
    expect(res.body).toEqual(UNAVAILABLE);
    if (m === "hang") expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(await route.madeSomething(email)).toBe(false);
  });

  it("is off without TURNSTILE_SECRET: no token needed, siteverify never asked", async () => {
    const { email, body } = await route.setup();
    const res = await api(route.path, { body, vars: { TURNSTILE_VERIFY_URL: SITEVERIFY, EMAIL_VERIFICATION: "optional" } });
    expect(res.status).toBe(route.ok);
    expect(await route.madeSomething(email)).toBe(true);
    expect(siteverify.served).toHaveLength(0);
  });
});

describe("Turnstile: order and limits", () => {
  it("a siteverify that hangs is given up after the default 5 s", async () => {
    const { body } = await ROUTES[0].setup();
    mode = "hang";
    const started = Date.now();
    const res = await api("/api/user/register/", { body: { ...body, turnstile_token: "pass" }, vars: ON });
    const took = Date.now() - started;
    expect(res.status).toBe(503);
    expect(res.body).toEqual(UNAVAILABLE);
    expect(took).toBeGreaterThanOrEqual(4900);
    expect(took).toBeLessThan(7000);
  });

  it("the per-IP limit comes first: past it, 429 without asking siteverify", async () => {
    const ip = randomIp();
    const statuses: number[] = [];
    // REGISTER_IP_LIMITER: 30 per 60 s. Refused tokens count against it (and only against it).
    await inOneWindow(60, async () => {
      statuses.length = 0;
      for (let i = 0; i < 31; i++) {
        const r = await api("/api/user/register/", { body: { email: uniqueEmail("ts-ip"), turnstile_token: "forged" }, vars, headers: { "cf-connecting-ip": ip } });
        statuses.push(r.status);
      }
    });
    expect(statuses.slice(0, 30)).toEqual(Array(30).fill(400));
    expect(statuses[30]).toBe(429);
    const asked = siteverify.served.length;
    const again = await api("/api/user/register/", { body: { email: uniqueEmail("ts-ip"), turnstile_token: "pass" }, vars, headers: { "cf-connecting-ip": ip } });
    expect(again.status).toBe(429);
    expect(siteverify.served).toHaveLength(asked);
  });

  it("a request let through counts once against the per-IP limit, not twice", async () => {
    // VERIFY_IP_LIMITER: 20 per 60 s; counted twice, the 11th would already be throttled.
    const ip = randomIp();
    const statuses: number[] = [];
    await inOneWindow(60, async () => {
      statuses.length = 0;
      for (let i = 0; i < 21; i++) {
        const r = await api("/api/user/send-verification-email/", { body: { email: uniqueEmail("ts-once"), turnstile_token: "pass" }, vars, headers: { "cf-connecting-ip": ip } });
        statuses.push(r.status);
      }
    });
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(200));
    expect(statuses[20]).toBe(429);
  });

  it("a refused request counts against no other limiter: the per-address reset limit is untouched", async () => {
    const { email } = await registerUser();
    // RESET_EMAIL_LIMITER: 5 per address per 60 s, from any IP.
    for (let i = 0; i < 6; i++) {
      expect((await api("/api/user/send-reset-password-email/", { body: { email, turnstile_token: "forged" }, vars })).status).toBe(400);
    }
    const res = await api("/api/user/send-reset-password-email/", { body: { email, turnstile_token: "pass" }, vars });
    expect(res.status).toBe(200);
    expect(mailbox.countFor(email)).toBe(1);
  });
});

describe("Turnstile on login", () => {
  it("/api/user/login/ is not guarded by default", async () => {
    const u = await registerUser();
    const res = await api("/api/user/login/", { body: { email: u.email, password: u.password }, vars: ON });
    expect(res.status).toBe(200);
    expect(siteverify.served).toHaveLength(0);
  });

  it("with login in TURNSTILE_ROUTES: /api/user/login/ needs the token, /api/token/ never does", async () => {
    const login = { ...ON_FAST, TURNSTILE_ROUTES: "register,login" };
    const u = await registerUser();
    const missing = await api("/api/user/login/", { body: { email: u.email, password: u.password }, vars: login });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual(REQUIRED);
    const refused = await api("/api/user/login/", { body: { email: u.email, password: u.password, turnstile_token: "forged" }, vars: login });
    expect(refused.body).toEqual(FAILED);
    mode = "500";
    expect((await api("/api/user/login/", { body: { email: u.email, password: u.password, turnstile_token: "pass" }, vars: login })).body).toEqual(UNAVAILABLE);
    mode = "normal";
    const ok = await api("/api/user/login/", { body: { email: u.email, password: u.password, turnstile_token: "pass" }, vars: login });
    expect(ok.status).toBe(200);
    expect(ok.body.msg).toBe("Login Success");
    const asked = siteverify.served.length;
    const token = await api("/api/token/", { body: { email: u.email, password: u.password }, vars: login });
    expect(token.status).toBe(200);
    expect(siteverify.served).toHaveLength(asked);
    // Not listed: the reset route is open under this setting.
    expect((await api("/api/user/send-reset-password-email/", { body: { email: u.email }, vars: login })).status).toBe(200);
  });

  it("refused logins count against no per-account limiter", async () => {
    const login = { ...ON_FAST, TURNSTILE_ROUTES: "login" };
    const u = await registerUser();
    const ip = randomIp();
    // LOGIN_ACCOUNT_LIMITER: 10 per (IP, e-mail) per 60 s.
    for (let i = 0; i < 11; i++) {
      const r = await api("/api/user/login/", { body: { email: u.email, password: "wrong-password-1", turnstile_token: "forged" }, vars: login, headers: { "cf-connecting-ip": ip } });
      expect(r.status).toBe(400);
    }
    const ok = await api("/api/user/login/", { body: { email: u.email, password: u.password, turnstile_token: "pass" }, vars: login, headers: { "cf-connecting-ip": ip } });
    expect(ok.status).toBe(200);
  });
});

describe("Turnstile and the worker's own pages", () => {
  it("the verification page's resend form (no script, no widget) sends nothing while verification is guarded", async () => {
    const { email } = await registerUser();
    const form = { method: "POST", raw: `email=${encodeURIComponent(email)}`, contentType: "application/x-www-form-urlencoded" };
    const refused = await api("/verify-email/resend/", { ...form, vars });
    expect(refused.status).toBe(403);
    expect(String(refused.body)).toContain("a new link can only be requested from the app");
    expect(mailbox.countFor(email)).toBe(0);
    // Not guarded (login only): the form works as before.
    const open = await api("/verify-email/resend/", { ...form, vars: { ...vars, TURNSTILE_ROUTES: "login" } });
    expect(open.status).toBe(200);
    expect(mailbox.countFor(email)).toBe(1);
  });
});

describe("Turnstile settings", () => {
  it("an unknown name in TURNSTILE_ROUTES is a configuration error (503), not a silently open door", async () => {
    const { body } = await ROUTES[0].setup();
    const res = await api("/api/user/register/", { body: { ...body, turnstile_token: "pass" }, vars: { ...ON, TURNSTILE_ROUTES: "register,signup" } });
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ errors: { detail: "Service temporarily unavailable", code: "unavailable" } });
    expect(siteverify.served).toHaveLength(0);
    // As any bad configuration: every route, guarded or not.
    expect((await api("/api/token/", { body: { email: uniqueEmail(), password: "x" }, vars: { ...ON, TURNSTILE_ROUTES: "register,signup" } })).status).toBe(503);
  });

  it("the OpenAPI document shows turnstile_token as an optional body field of the guarded routes", async () => {
    const { body: doc } = await api("/api/openapi.json");
    for (const path of ["/api/user/register/", "/api/user/send-reset-password-email/", "/api/user/send-verification-email/", "/api/user/login/"]) {
      const schema = JSON.stringify(doc.paths[path].post.requestBody);
      expect(schema, path).toContain('"turnstile_token":{"type":"string"');
    }
    expect(JSON.stringify(doc.paths["/api/token/"].post.requestBody)).not.toContain("turnstile_token");
  });
});

/** Runs `attempt` until one run falls inside one rate-limit window (Miniflare aligns them to the clock). */
async function inOneWindow<T>(periodSeconds: number, attempt: () => Promise<T>): Promise<T> {
  const window = () => Math.floor(Date.now() / (periodSeconds * 1000));
  for (let tries = 1; ; tries++) {
    const start = window();
    const result = await attempt();
    if (window() === start || tries === 3) return result;
  }
}
