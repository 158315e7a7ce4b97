import type { Context } from "hono";
import { detailError } from "../errors";
import { MSG } from "../messages";
import type { AppEnv } from "./types";

/**
 * Every limiter: the source of truth for wrangler.toml's [[ratelimits]] blocks, which
 * test/kernel/rate-limits.test.ts holds equal to it. `period` (10 or 60 s, the platform's
 * choice) becomes Retry-After.
 */
export const RATE_LIMITS = {
  LOGIN_IP_LIMITER: { namespace: 1001, limit: 60, period: 60, what: "login and /api/token/ per client IP" },
  LOGIN_ACCOUNT_LIMITER: { namespace: 1002, limit: 10, period: 60, what: "login and /api/token/ per (IP, e-mail)" },
  RESET_EMAIL_LIMITER: { namespace: 1003, limit: 5, period: 60, what: "reset mails per e-mail address" },
  RESET_IP_LIMITER: { namespace: 1004, limit: 20, period: 60, what: "reset mails per client IP" },
  REGISTER_IP_LIMITER: { namespace: 1005, limit: 30, period: 60, what: "registrations per client IP" },
  REFRESH_IP_LIMITER: { namespace: 1006, limit: 100, period: 10, what: "token refreshes per client IP" },
  MFA_VERIFY_USER_LIMITER: { namespace: 2001, limit: 10, period: 60, what: "MFA codes (verify, confirm, disable, recovery codes) per user" },
  MFA_VERIFY_IP_LIMITER: { namespace: 2002, limit: 30, period: 60, what: "mfa/verify per client IP" },
} as const satisfies Record<string, { namespace: number; limit: number; period: 10 | 60; what: string }>;
export type Limiter = keyof typeof RATE_LIMITS;

interface RateLimitBinding {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

/** Cloudflare sets CF-Connecting-IP on every request it proxies; local runs share one bucket. */
export const clientIp = (c: Context<AppEnv>) => c.req.header("cf-connecting-ip") ?? "local";

/**
 * Counts one request against each (limiter, key) and answers DRF's 429 if any is over.
 * Keys name no e-mail address: callers pass the logger's keyed hash. A deployment without
 * a binding is not limited by it (logged once per request as a misconfiguration).
 */
export async function throttle(c: Context<AppEnv>, checks: [Limiter, string][]): Promise<void> {
  const results = await Promise.all(
    checks.map(async ([name, key]) => {
      const binding = c.env[name] as RateLimitBinding | undefined;
      if (!binding) return { name, ok: true };
      return { name, ok: (await binding.limit({ key: `${name}:${key}` })).success };
    }),
  );
  const over = results.filter((r) => !r.ok);
  if (over.length === 0) return;
  const wait = Math.max(...over.map((r) => RATE_LIMITS[r.name].period));
  c.get("deps").log.event("throttled", { limiter: over.map((r) => r.name).join(","), route: c.req.routePath });
  throw detailError(429, MSG.throttled(wait), "throttled", { "Retry-After": String(wait) });
}

/** Password spraying (per IP) and guessing one account (per IP and address); the same whether the address exists. */
export async function throttleLogin(c: Context<AppEnv>, email: string) {
  const ip = clientIp(c);
  await throttle(c, [
    ["LOGIN_IP_LIMITER", ip],
    ["LOGIN_ACCOUNT_LIMITER", `${ip}:${c.get("deps").log.emailRef(email)}`],
  ]);
}
