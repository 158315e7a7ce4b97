import { z } from "zod";
import { getConfig, type Env } from "../../kernel/config";
import { memo } from "../../kernel/memo";

/** The guarded routes' names in TURNSTILE_ROUTES; `login` is /api/user/login/ (never /api/token/). */
const TURNSTILE_ROUTES = ["register", "reset", "verification", "email-start", "login"] as const;
export type TurnstileRoute = (typeof TURNSTILE_ROUTES)[number];

const DEFAULT_ROUTES = "register,reset,verification,email-start";
const DEFAULT_VERIFY_URL = "https://challenges.cloudflare.com/turnstile/v0/siteverify";
/** The contract's bound on one siteverify call; TURNSTILE_TIMEOUT_MS may only lower it. */
const MAX_TIMEOUT_MS = 5000;

// Part of the one config schema (ConfigPart), so an invalid value is a configuration error
// (503 on every route) whether or not the secret is set: a typo in TURNSTILE_ROUTES never
// silently leaves a door unguarded. Each .describe() is a row of docs/configuration.md.
export const turnstileFields = {
  TURNSTILE_SECRET: z.string().trim().optional().describe("Secret: the Turnstile widget's secret key; unset: Turnstile is off ([Turnstile](turnstile.md))."),
  TURNSTILE_ROUTES: z
    .string()
    .default(DEFAULT_ROUTES)
    .transform((v) => v.split(",").map((name) => name.trim()).filter(Boolean))
    .pipe(z.array(z.enum(TURNSTILE_ROUTES)))
    .describe("Comma list of the routes Turnstile guards: `register`, `reset`, `verification`, `email-start`, `login` (`/api/user/login/`; `/api/token/` is never guarded). An unknown name: 503."),
  TURNSTILE_VERIFY_URL: z.url({ protocol: /^https?$/ }).default(DEFAULT_VERIFY_URL).describe("Where Turnstile tokens are checked (tests and local runs point it at a fake)."),
  TURNSTILE_TIMEOUT_MS: z.coerce.number().int().min(100).max(MAX_TIMEOUT_MS).default(MAX_TIMEOUT_MS).describe(`How long siteverify may take, in ms (100-${MAX_TIMEOUT_MS}: it can only be lowered); slower fails closed (503).`),
};
declare module "../../kernel/config" {
  interface Config extends z.infer<z.ZodObject<typeof turnstileFields>> {}
}

export interface TurnstileConfig {
  secret: string;
  routes: ReadonlySet<TurnstileRoute>;
  verifyUrl: string;
  timeoutMs: number;
}

/** The Turnstile settings, derived once per env from the parsed config; null while TURNSTILE_SECRET is unset (the guard is off). */
export const turnstileConfig: (env: Env) => TurnstileConfig | null = memo((env: Env): TurnstileConfig | null => {
  const c = getConfig(env);
  if (!c.TURNSTILE_SECRET) return null;
  return { secret: c.TURNSTILE_SECRET, routes: new Set(c.TURNSTILE_ROUTES), verifyUrl: c.TURNSTILE_VERIFY_URL, timeoutMs: c.TURNSTILE_TIMEOUT_MS };
});

/** Whether Turnstile guards `route` under this env's settings. */
export const guards = (env: Env, route: TurnstileRoute): boolean => turnstileConfig(env)?.routes.has(route) ?? false;
