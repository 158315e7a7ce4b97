import { describe, expect, it, vi } from "vitest";
import { ipBucket } from "../../src/kernel/http/throttle";
import { api, randomIp, registerUser, uniqueEmail } from "../support/api";

/**
 * Runs a burst until one run falls inside a single 60-second window: Miniflare aligns
 * rate-limit windows to the clock, so a burst across a window's end counts in two.
 */
async function inOneMinute<T>(attempt: () => Promise<T>): Promise<T> {
  const minute = () => Math.floor(Date.now() / 60_000);
  for (let tries = 1; ; tries++) {
    const start = minute();
    const result = await attempt();
    if (minute() === start || tries === 3) return result;
  }
}

const wrongLogin = (email: string, ip: string, vars?: Record<string, string>) =>
  api("/api/user/login/", { body: { email, password: "wrong-password-1" }, headers: { "cf-connecting-ip": ip }, vars });

describe("client buckets", () => {
  it("IPv4 stays itself; IPv6 counts per /64, whatever its spelling; IPv4-mapped IPv6 is IPv4", () => {
    expect(ipBucket("203.0.113.7")).toBe("203.0.113.7");
    expect(ipBucket("2001:db8:1:2:3:4:5:6")).toBe("2001:db8:1:2::/64");
    expect(ipBucket("2001:DB8:1:2::ffff")).toBe("2001:db8:1:2::/64");
    expect(ipBucket("2001:0db8:0001:0002:0000::1")).toBe("2001:db8:1:2::/64");
    expect(ipBucket("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(ipBucket("::1")).toBe("0:0:0:0::/64");
    expect(ipBucket("::ffff:198.51.100.9")).toBe("198.51.100.9");
    expect(ipBucket("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
  });
});

describe("limits that addresses cannot dodge", () => {
  it("login from 61 addresses of one /64 is throttled as one client", async () => {
    const statuses = await inOneMinute(async () => {
      const prefix = `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:${Math.floor(Math.random() * 0xffff).toString(16)}`;
      const out = [];
      for (let i = 0; i < 61; i++) out.push((await wrongLogin(uniqueEmail("spray"), `${prefix}::${(i + 1).toString(16)}`)).status);
      return out;
    });
    expect(statuses.slice(0, 60).every((s) => s === 401)).toBe(true);
    expect(statuses[60]).toBe(429);
  });

  it("one account from 31 different addresses: the 31st guess is throttled, known or unknown account alike", async () => {
    const known = await registerUser();
    for (const make of [() => known.email, () => uniqueEmail("ghost")]) {
      let first = true;
      const statuses = await inOneMinute(async () => {
        // A retried burst needs an account whose counter is fresh: the known one only the first time.
        const email = first ? make() : uniqueEmail("ghost");
        first = false;
        const out = [];
        for (let i = 0; i < 31; i++) out.push((await wrongLogin(email, randomIp())).status);
        return out;
      });
      expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
      expect(statuses[30]).toBe(429);
    }
  });

  it("with PSEUDONYM_KEY, rotating the signing key does not reset the per-account counters", async () => {
    const email = uniqueEmail("rotate");
    const ip = randomIp();
    const pseudonym = "pseudonym-key-for-tests-0123456789abcdef";
    const before = { PSEUDONYM_KEY: pseudonym, JWT_SIGNING_KEY: "first-signing-key-0123456789-abcdefghijklmnop" };
    const after = { PSEUDONYM_KEY: pseudonym, JWT_SIGNING_KEY: "second-signing-key-0123456789-abcdefghijklmno" };
    for (let i = 0; i < 10; i++) expect((await wrongLogin(email, ip, i < 5 ? before : after)).status).toBe(401);
    expect((await wrongLogin(email, ip, after)).status).toBe(429);
  });

  it("a rate-limit binding missing from the deployment is a 503, never limits silently off", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      const res = await api("/api/user/login/", { body: { email: uniqueEmail(), password: "x-password-1" }, bindings: { LOGIN_USER_LIMITER: undefined } });
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ errors: { detail: "Service temporarily unavailable", code: "unavailable" } });
      expect(errors.mock.calls.some((c) => String(c[0]).includes("LOGIN_USER_LIMITER"))).toBe(true);
    } finally {
      errors.mockRestore();
    }
  });
});
