import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api, GOOD_PASSWORD, registerUser, uniqueEmail } from "../support/api";
import { installMailbox, linkFrom } from "../support/mailbox";
import { fakeService, hang } from "../support/outbound";

const RANGE_API = "https://pwned.test";
const ON = { PWNED_PASSWORDS: "on", PWNED_PASSWORDS_URL: RANGE_API };
/** The unavailable cases hang for a short while only; the default 3 s is its own test. */
const ON_FAST = { ...ON, PWNED_PASSWORDS_TIMEOUT_MS: "300" };
const BREACHED = { errors: { password: ["This password has appeared in a data breach. Please choose a different password."] } };

// Passwords that pass Django's four rules; the fake corpus knows the first (count 5,831)
// and lists the second only as a padding line (count 0).
const LEAKED = "Orchid-Lantern-731";
const PADDED = "Walrus-Thimble-482";

const sha1 = async (s: string) =>
  [...new Uint8Array(await crypto.subtle.digest("SHA-1", new TextEncoder().encode(s)))].map((b) => b.toString(16).padStart(2, "0")).join("").toUpperCase();

type Mode = "normal" | "unreachable" | "hang" | "500";
let mode: Mode = "normal";
let mailbox: ReturnType<typeof installMailbox>;
let rangeApi: ReturnType<typeof fakeService>;
let corpus: Map<string, number>;

/** A random 35-hex suffix, as the real API pads its answers with. */
const noise = () => [...crypto.getRandomValues(new Uint8Array(18))].map((b) => b.toString(16).padStart(2, "0")).join("").toUpperCase().slice(0, 35);

beforeEach(async () => {
  mode = "normal";
  corpus = new Map([
    [await sha1(LEAKED), 5831],
    [await sha1(PADDED), 0],
  ]);
  mailbox = installMailbox();
  rangeApi = fakeService(RANGE_API, async (req) => {
    if (mode === "unreachable") throw new TypeError("Network connection lost.");
    if (mode === "hang") return hang(req);
    if (mode === "500") return new Response("error", { status: 500 });
    const prefix = new URL(req.url).pathname.replace("/range/", "");
    const lines = [...corpus].filter(([hash]) => hash.startsWith(prefix)).map(([hash, count]) => `${hash.slice(5)}:${count}`);
    for (let i = 0; i < 20; i++) lines.push(`${noise()}:0`);
    lines.sort();
    return new Response(lines.join("\r\n"), { headers: { "content-type": "text/plain" } });
  });
});
afterEach(() => {
  rangeApi.restore();
  mailbox.restore();
});

const userRow = (email: string) => env.DB.prepare("SELECT id FROM users WHERE lower(email) = lower(?)").bind(email).first();
const register = (email: string, password: string, vars: Record<string, string> = ON_FAST) =>
  api("/api/user/register/", { body: { email, name: "Pat", password, password2: password, tc: true }, vars });

async function resetLink(email: string) {
  const before = mailbox.countFor(email);
  expect((await api("/api/user/send-reset-password-email/", { body: { email } })).status).toBe(200);
  return linkFrom(await mailbox.waitFor(email, 5000, before));
}

describe("breached passwords at register, change and reset confirm", () => {
  it("register: a breached password is refused under password, and no account is made", async () => {
    const email = uniqueEmail("pwned-reg");
    const res = await register(email, LEAKED);
    expect(res.status).toBe(400);
    expect(res.body).toEqual(BREACHED);
    expect(await userRow(email)).toBeNull();
    expect(rangeApi.served).toHaveLength(1);
  });

  it("change password: a breached new password is refused, the old one still works", async () => {
    const u = await registerUser();
    const res = await api("/api/user/changepassword/", { token: u.access, body: { password: LEAKED, password2: LEAKED, current_password: u.password }, vars: ON_FAST });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(BREACHED);
    expect((await api("/api/user/login/", { body: { email: u.email, password: u.password } })).status).toBe(200);
    const ok = await api("/api/user/changepassword/", { token: u.access, body: { password: "Fresh-Meadow-2024", password2: "Fresh-Meadow-2024", current_password: u.password }, vars: ON_FAST });
    expect(ok.status).toBe(200);
  });

  it("reset confirm: a breached password is refused and the link stays usable for another one", async () => {
    const u = await registerUser();
    const link = await resetLink(u.email);
    const res = await api(`/api/user/reset-password/${link.uid}/${link.token}/`, { body: { password: LEAKED, password2: LEAKED }, vars: ON_FAST });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(BREACHED);
    expect((await api("/api/user/login/", { body: { email: u.email, password: u.password } })).status).toBe(200);
    const ok = await api(`/api/user/reset-password/${link.uid}/${link.token}/`, { body: { password: "Fresh-Meadow-2024", password2: "Fresh-Meadow-2024" }, vars: ON_FAST });
    expect(ok.status).toBe(200);
  });

  it("the reset page shows the message next to the password field", async () => {
    const u = await registerUser();
    const link = await resetLink(u.email);
    const form = new URLSearchParams({ password: LEAKED, password2: LEAKED });
    const res = await api(`/reset-password/${link.uid}/${link.token}/`, { raw: form.toString(), contentType: "application/x-www-form-urlencoded", vars: ON_FAST });
    expect(res.status).toBe(400);
    expect(String(res.body)).toContain("This password has appeared in a data breach. Please choose a different password.");
  });

  it("a suffix listed with count 0 (padding) is not a breach", async () => {
    const email = uniqueEmail("pwned-pad");
    const res = await register(email, PADDED);
    expect(res.status).toBe(201);
    expect(rangeApi.served).toHaveLength(1);
    expect(await userRow(email)).not.toBeNull();
  });

  it("a password that breaks Django's rules is refused by them alone, without asking the range API", async () => {
    const res = await register(uniqueEmail("pwned-weak"), "password");
    expect(res.status).toBe(400);
    expect(res.body.errors.password).toEqual(["This password is too common."]);
    expect(rangeApi.served).toHaveLength(0);
  });

  it("is off by default: nothing is asked, a breached password is accepted", async () => {
    const res = await register(uniqueEmail("pwned-off"), LEAKED, { PWNED_PASSWORDS_URL: RANGE_API });
    expect(res.status).toBe(201);
    expect(rangeApi.all).toHaveLength(0);
  });

  it("an invalid PWNED_PASSWORDS is a configuration error (503), not silently off", async () => {
    const res = await register(uniqueEmail("pwned-bad"), GOOD_PASSWORD, { PWNED_PASSWORDS: "ON", PWNED_PASSWORDS_URL: RANGE_API });
    expect(res.status).toBe(503);
    expect(rangeApi.all).toHaveLength(0);
    // As any bad configuration: every route, not only those that set a password.
    expect((await api("/api/user/send-reset-password-email/", { body: { email: uniqueEmail() }, vars: { PWNED_PASSWORDS: "ON" } })).status).toBe(503);
  });
});

describe("fails open", () => {
  it.each(["unreachable", "hang", "500"] as const)("range API %s: the password is accepted and pwned_unavailable is logged", async (m) => {
    mode = m;
    const lines: string[] = [];
    const log = vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    try {
      const email = uniqueEmail(`pwned-${m}`);
      const res = await register(email, LEAKED);
      expect(res.status).toBe(201);
      expect(await userRow(email)).not.toBeNull();
    } finally {
      log.mockRestore();
    }
    const event = lines.map((l) => JSON.parse(l)).find((l) => l.event === "pwned_unavailable");
    expect(event).toBeDefined();
    expect(JSON.stringify(event)).not.toContain(LEAKED);
  });

  it("a range API that hangs is given up after the default 3 s", async () => {
    mode = "hang";
    const started = Date.now();
    const res = await register(uniqueEmail("pwned-slow"), LEAKED, ON);
    const took = Date.now() - started;
    expect(res.status).toBe(201);
    expect(took).toBeGreaterThanOrEqual(2900);
    expect(took).toBeLessThan(5000);
  });
});

describe("k-anonymity", () => {
  it("only the 5-character prefix leaves the worker: one GET of the range URL, padded, with no body", async () => {
    const hash = await sha1(LEAKED);
    const res = await register(uniqueEmail("pwned-privacy"), LEAKED);
    expect(res.status).toBe(400);
    // Every request that left the worker during the registration (mail included).
    expect(rangeApi.all).toHaveLength(1);
    const only = rangeApi.all[0]!;
    expect(only.method).toBe("GET");
    expect(only.url).toBe(`${RANGE_API}/range/${hash.slice(0, 5)}`);
    expect(only.headers["add-padding"]).toBe("true");
    expect(only.body).toBeNull();
    const sent = JSON.stringify(only).toUpperCase();
    expect(sent).not.toContain(hash);
    expect(sent).not.toContain(hash.slice(5));
    expect(sent).not.toContain(hash.slice(5, 15));
    expect(sent).not.toContain(LEAKED.toUpperCase());
  });
});
