import { describe, expect, it } from "vitest";
import { api, randomIp, registerUser, uniqueEmail } from "../support/api";
import { installMailbox } from "../support/mailbox";

const throttledBody = (seconds: number) => ({ detail: `Request was throttled. Expected available in ${seconds} seconds.`, code: "throttled" });

/** Sends `n` requests from one address and returns the answers. */
async function burst(n: number, path: string, body: () => unknown, ip = randomIp()) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await api(path, { body: body(), headers: { "cf-connecting-ip": ip } }));
  return out;
}

/**
 * Runs `attempt` (which must use fresh addresses and e-mails) until one run falls inside a
 * single rate-limit window: Miniflare aligns the windows to the clock, so a burst that
 * crosses a window's end is counted in two and would not be throttled.
 */
async function inOneWindow<T>(periodSeconds: number, attempt: () => Promise<T>): Promise<T> {
  const window = () => Math.floor(Date.now() / (periodSeconds * 1000));
  for (let tries = 1; ; tries++) {
    const start = window();
    const result = await attempt();
    if (window() === start || tries === 3) return result;
  }
}

describe("rate limits", () => {
  it("login per (IP, e-mail): the 11th attempt within a minute is throttled, known or unknown e-mail alike", async () => {
    const u = await registerUser();
    for (const email of [u.email, uniqueEmail("ghost")]) {
      const res = await inOneWindow(60, () => burst(11, "/api/user/login/", () => ({ email, password: "wrong-password-1" })));
      expect(res.slice(0, 10).map((r) => r.status)).toEqual(Array(10).fill(401));
      const last = res[10]!;
      expect(last.status).toBe(429);
      expect(last.headers.get("retry-after")).toBe("60");
      expect(last.body).toEqual({ errors: throttledBody(60) });
    }
  });

  it("login per IP across many e-mails (password spraying), including /api/token/", async () => {
    const res = await inOneWindow(60, () => burst(61, "/api/token/", () => ({ email: uniqueEmail("spray"), password: "Summer2024!" })));
    expect(res.slice(0, 60).every((r) => r.status === 401)).toBe(true);
    expect(res[60]!.status).toBe(429);
    expect(res[60]!.body).toEqual(throttledBody(60)); // simplejwt's views are not wrapped
  });

  it("a throttled login answers the same for a correct password", async () => {
    const u = await registerUser();
    const [res] = await inOneWindow(60, async () => {
      const ip = randomIp();
      await burst(10, "/api/user/login/", () => ({ email: u.email, password: "wrong-password-1" }), ip);
      return burst(1, "/api/user/login/", () => ({ email: u.email, password: u.password }), ip);
    });
    expect(res!.status).toBe(429);
    // Another client address is not affected.
    expect((await api("/api/user/login/", { body: { email: u.email, password: u.password } })).status).toBe(200);
  });

  it("reset mails per e-mail, from any address", async () => {
    const mailbox = installMailbox();
    try {
      const { u, statuses } = await inOneWindow(60, async () => {
        const u = await registerUser();
        const statuses = [];
        for (let i = 0; i < 6; i++) statuses.push((await api("/api/user/send-reset-password-email/", { body: { email: u.email } })).status);
        return { u, statuses };
      });
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
      // Five mails went out (after their answers), none for the throttled request.
      await mailbox.waitFor(u.email, 5000, 4);
      await new Promise((r) => setTimeout(r, 100));
      expect(mailbox.countFor(u.email)).toBe(5);
    } finally {
      mailbox.restore();
    }
  });

  it("reset mails per IP", async () => {
    const res = await inOneWindow(60, () => burst(21, "/api/user/send-reset-password-email/", () => ({ email: uniqueEmail("nobody") })));
    expect(res.slice(0, 20).every((r) => r.status === 200)).toBe(true);
    expect(res[20]!.status).toBe(429);
    expect(res[20]!.body).toEqual({ errors: throttledBody(60) });
  });

  it("register per IP", async () => {
    const res = await inOneWindow(60, () => burst(31, "/api/user/register/", () => ({ email: uniqueEmail("reg"), name: "R", password: "x", password2: "x", tc: true })));
    expect(res.slice(0, 30).every((r) => r.status === 400)).toBe(true);
    expect(res[30]!.status).toBe(429);
  });

  it("refresh per IP, with a 10-second period", async () => {
    const res = await inOneWindow(10, () => burst(101, "/api/token/refresh/", () => ({ refresh: "not-a-token" })));
    expect(res.slice(0, 100).every((r) => r.status === 401)).toBe(true);
    expect(res[100]!.status).toBe(429);
    expect(res[100]!.headers.get("retry-after")).toBe("10");
    expect(res[100]!.body).toEqual(throttledBody(10));
  });
});
