import type { Context } from "hono";
import { missingConfig } from "../config";
import { detailError } from "../errors";
import { MSG } from "../messages";
import type { AppEnv } from "./types";

/**
 * Every limiter: the source of truth for wrangler.toml's [[ratelimits]] blocks, which
 * test/kernel/rate-limits.test.ts holds equal to it. `period` (10 or 60 s, the platform's
 * choice) becomes Retry-After. Workers Rate Limiting counts per Cloudflare location.
 */
export const RATE_LIMITS = {
  LOGIN_IP_LIMITER: { namespace: 1001, limit: 60, period: 60, what: "login and /api/token/ per client IP (/64 for IPv6)" },
  LOGIN_ACCOUNT_LIMITER: { namespace: 1002, limit: 10, period: 60, what: "login and /api/token/ per (IP, e-mail)" },
  RESET_EMAIL_LIMITER: { namespace: 1003, limit: 5, period: 60, what: "reset mails per e-mail address" },
  RESET_IP_LIMITER: { namespace: 1004, limit: 20, period: 60, what: "reset mails per client IP" },
  REGISTER_IP_LIMITER: { namespace: 1005, limit: 30, period: 60, what: "registrations per client IP" },
  REFRESH_IP_LIMITER: { namespace: 1006, limit: 100, period: 10, what: "token refreshes per client IP" },
  LOGIN_USER_LIMITER: { namespace: 1007, limit: 30, period: 60, what: "login and /api/token/ per e-mail, from any IP" },
  PASSWORD_CHANGE_IP_LIMITER: { namespace: 1009, limit: 20, period: 60, what: "password changes per client IP" },
  COSTLY_HASH_LIMITER: { namespace: 1010, limit: 5, period: 60, what: "logins checking an imported PBKDF2 hash, per user" },
  MFA_VERIFY_USER_LIMITER: { namespace: 2001, limit: 10, period: 60, what: "MFA setup, confirm, disable, recovery codes per user (verify: the account's failure budget)" },
  MFA_VERIFY_IP_LIMITER: { namespace: 2002, limit: 30, period: 60, what: "mfa/verify per client IP" },
  VERIFY_EMAIL_LIMITER: { namespace: 3001, limit: 5, period: 60, what: "verification mails (API and the page's resend form) per e-mail address" },
  VERIFY_IP_LIMITER: { namespace: 3002, limit: 20, period: 60, what: "verification mails per client IP" },
  EMAIL_CHANGE_USER_LIMITER: { namespace: 3003, limit: 5, period: 60, what: "e-mail change requests per user, from any IP" },
  EMAIL_CHANGE_ADDRESS_LIMITER: { namespace: 3004, limit: 5, period: 60, what: "e-mail change requests per new address" },
  EMAIL_CHANGE_IP_LIMITER: { namespace: 3005, limit: 20, period: 60, what: "e-mail change requests per client IP" },
  AUDIT_FAILURE_BUDGET: { namespace: 4001, limit: 10, period: 60, what: "audit events of failed logins written per account (past it: not written)" },
} as const satisfies Record<string, { namespace: number; limit: number; period: 10 | 60; what: string }>;
export type Limiter = keyof typeof RATE_LIMITS;

interface RateLimitBinding {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

/**
 * The client's rate-limit identity: CF-Connecting-IP, or its /64 for IPv6, because one
 * subscriber commonly holds a whole /64 and would otherwise get 2^64 buckets. Local runs
 * without the header share one bucket.
 */
export function clientIp(c: Context<AppEnv>): string {
  const ip = c.req.header("cf-connecting-ip");
  return ip ? ipBucket(ip) : "local";
}

/** An IPv4 address as it is; an IPv6 address as its /64 prefix (IPv4-mapped ones as IPv4). */
export function ipBucket(ip: string): string {
  if (!ip.includes(":")) return ip;
  const lower = ip.toLowerCase().split("%")[0]!;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped) return mapped[1]!;
  const [head = "", tail] = lower.split("::");
  const left = head ? head.split(":") : [];
  const right = tail === undefined ? [] : tail ? tail.split(":") : [];
  const groups = tail === undefined ? left : [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  return `${groups.slice(0, 4).map((g) => (g.replace(/^0+/, "") || "0")).join(":")}::/64`;
}

function bindingOf(c: Context<AppEnv>, name: Limiter): RateLimitBinding {
  const binding = c.env[name] as RateLimitBinding | undefined;
  if (binding && typeof binding.limit === "function") return binding;
  // Never "limits silently off": a named [env.*] in wrangler.toml does not inherit bindings.
  throw missingConfig(c.env, `rate-limit binding ${name} is missing from the deployment`);
}

// What each request has already been counted against: a guard that must run before the body
// is validated (features/turnstile) counts the per-IP limit early, and the handler's own
// throttle call then does not count the same request twice.
const counted = new WeakMap<Request, Set<string>>();

/**
 * Counts one request against each (limiter, key) and answers DRF's 429 if any is over; a
 * request counts at most once against a given (limiter, key).
 * Keys name no e-mail address: callers pass the logger's keyed pseudonym.
 */
export async function throttle(c: Context<AppEnv>, checks: [Limiter, string][]): Promise<void> {
  const seen = counted.get(c.req.raw) ?? new Set<string>();
  counted.set(c.req.raw, seen);
  const fresh = checks.filter(([name, key]) => !seen.has(`${name}:${key}`));
  for (const [name, key] of fresh) seen.add(`${name}:${key}`);
  const bindings = fresh.map(([name]) => bindingOf(c, name));
  const results = await Promise.all(fresh.map(async ([name, key], i) => ({ name, ok: (await bindings[i]!.limit({ key: `${name}:${key}` })).success })));
  const over = results.filter((r) => !r.ok);
  if (over.length === 0) return;
  const wait = Math.max(...over.map((r) => RATE_LIMITS[r.name].period));
  c.get("deps").log.event("throttled", { limiter: over.map((r) => r.name).join(","), route: c.req.routePath });
  throw detailError(429, MSG.throttled(wait), "throttled", { "Retry-After": String(wait) });
}

/**
 * Password spraying (per IP), guessing one account from one address (per IP and address),
 * and from many addresses (per address alone); the same whether the address exists.
 */
export async function throttleLogin(c: Context<AppEnv>, email: string) {
  const ip = clientIp(c);
  const account = c.get("deps").log.emailRef(email);
  await throttle(c, [
    ["LOGIN_IP_LIMITER", ip],
    ["LOGIN_ACCOUNT_LIMITER", `${ip}:${account}`],
    ["LOGIN_USER_LIMITER", account],
  ]);
}
