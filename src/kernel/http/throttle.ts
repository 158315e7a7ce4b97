import type { Context } from "hono";
import { detailError } from "../errors";
import { MSG } from "../messages";
import type { AppEnv } from "./types";

/** Each limiter binding with its period in seconds, as declared in wrangler.toml [[ratelimits]]. */
export const RATE_LIMITS = {
  LOGIN_IP_LIMITER: 60,
  LOGIN_ACCOUNT_LIMITER: 60,
  RESET_EMAIL_LIMITER: 60,
  RESET_IP_LIMITER: 60,
  REGISTER_IP_LIMITER: 60,
  REFRESH_IP_LIMITER: 10,
} as const;
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
  const wait = Math.max(...over.map((r) => RATE_LIMITS[r.name]));
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
