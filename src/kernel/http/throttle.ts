import type { Context } from "hono";
import { missingConfig } from "../config";
import { detailError } from "../errors";
import { MSG } from "../messages";
import type { Limiter } from "../names";
import type { AppEnv } from "./types";


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
  // The capabilities' declared limiters (wrangler.toml's [[ratelimits]] blocks): their period becomes Retry-After.
  const limiters = c.get("limiters");
  const wait = Math.max(...over.map((r) => limiters[r.name]?.period ?? 60));
  c.get("deps").log.event("throttled", { limiter: over.map((r) => r.name).join(","), route: c.req.routePath });
  throw detailError(429, MSG.throttled(wait), "throttled", { "Retry-After": String(wait) });
}
