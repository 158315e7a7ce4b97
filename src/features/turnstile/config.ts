import { z } from "zod";
import { missingConfig, type Env } from "../../kernel/config";
import { memo } from "../../kernel/memo";

/** The guarded routes' names in TURNSTILE_ROUTES; `login` is /api/user/login/ (never /api/token/). */
const TURNSTILE_ROUTES = ["register", "reset", "verification", "email-start", "login"] as const;
export type TurnstileRoute = (typeof TURNSTILE_ROUTES)[number];

const DEFAULT_ROUTES = "register,reset,verification,email-start";
const DEFAULT_VERIFY_URL = "https://challenges.cloudflare.com/turnstile/v0/siteverify";
/** The contract's bound on one siteverify call; TURNSTILE_TIMEOUT_MS may only lower it. */
const MAX_TIMEOUT_MS = 5000;

export interface TurnstileConfig {
  secret: string;
  routes: ReadonlySet<TurnstileRoute>;
  verifyUrl: string;
  timeoutMs: number;
}

const Settings = z.object({
  TURNSTILE_SECRET: z.string().optional(),
  TURNSTILE_ROUTES: z
    .string()
    .default(DEFAULT_ROUTES)
    .transform((v) => v.split(",").map((name) => name.trim()).filter(Boolean))
    .pipe(z.array(z.enum(TURNSTILE_ROUTES))),
  TURNSTILE_VERIFY_URL: z.url({ protocol: /^https?$/ }).default(DEFAULT_VERIFY_URL),
  TURNSTILE_TIMEOUT_MS: z.coerce.number().int().min(100).max(MAX_TIMEOUT_MS).default(MAX_TIMEOUT_MS),
});

/**
 * The Turnstile settings, parsed once per env; null while TURNSTILE_SECRET is unset (the
 * guard is off). Invalid settings are a configuration error (503), whether or not the
 * secret is set, so a typo in TURNSTILE_ROUTES never silently leaves a door unguarded.
 */
export const turnstileConfig: (env: Env) => TurnstileConfig | null = memo((env: Env): TurnstileConfig | null => {
  // Empty strings mean "not set", as in the kernel's config.
  const raw = Object.fromEntries(Object.keys(Settings.shape).map((k) => [k, typeof env[k] === "string" && env[k].trim() ? env[k].trim() : undefined]));
  const parsed = Settings.safeParse(raw);
  if (!parsed.success) {
    throw missingConfig(env, `invalid Turnstile configuration: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  }
  const s = parsed.data;
  if (!s.TURNSTILE_SECRET) return null;
  return { secret: s.TURNSTILE_SECRET, routes: new Set(s.TURNSTILE_ROUTES), verifyUrl: s.TURNSTILE_VERIFY_URL, timeoutMs: s.TURNSTILE_TIMEOUT_MS };
});

/** Whether Turnstile guards `route` under this env's settings. */
export const guards = (env: Env, route: TurnstileRoute): boolean => turnstileConfig(env)?.routes.has(route) ?? false;
