import { z } from "zod";
import type { Capability } from "../../kernel/capability";
import type { LimiterSpec } from "../../kernel/names";
import { registerWayIn } from "../sign-in";
import { deleteExpiredEmailChallenges } from "./cleanup";
import { passwordlessRoutes } from "./routes";

/**
 * Passwordless e-mail (CONTRACT "v3, part 2"; docs/passwordless.md): an 8-digit code and a
 * link in one mail, answered at /api/auth/email/verify/ with the login answer. Off by default.
 */
const limiters = {
  PASSWORDLESS_START_IP_LIMITER: { namespace: 7001, limit: 20, period: 60, what: "e-mail sign-in starts per client IP (per address: 5 per 15 min, a failure budget)" },
  PASSWORDLESS_VERIFY_IP_LIMITER: { namespace: 7002, limit: 30, period: 60, what: "e-mail sign-in answers per client IP (per address: 10 wrong per 15 min, a failure budget)" },
} as const satisfies Record<string, LimiterSpec>;

declare module "../../kernel/names" {
  interface LimiterNames extends Record<keyof typeof limiters, true> {}
}

const config = {
  PASSWORDLESS: z
    .enum(["off", "login", "signup"])
    .default("off")
    .describe("E-mail sign-in by code or link ([details](passwordless.md)): `off` (its routes answer 404), `login` (registered active accounts), `signup` (also creates the account of an unknown address at verify, with `tc`)."),
  PASSWORDLESS_URL: z
    .string()
    .url()
    .refine((u) => /^https?:/.test(u), "must be an http(s) URL")
    .optional()
    .describe("Required when `PASSWORDLESS` is not `off`: the front end's page for the mailed link, `<url>/<challenge_id>/<token>/` (the page POSTs the token on a click; the worker has no page of its own for it)."),
};
declare module "../../kernel/config" {
  interface Config extends z.infer<z.ZodObject<typeof config>> {}
}
const check = (c: Record<string, unknown>) =>
  c.PASSWORDLESS !== "off" && !c.PASSWORDLESS_URL ? "PASSWORDLESS is on but PASSWORDLESS_URL is not set" : undefined;

// The address is a way in while the capability is on (the "last way" rule counts it).
registerWayIn({ name: "email", count: async (d) => (d.config.PASSWORDLESS === "off" ? 0 : 1) });

export const passwordlessCapability = {
  name: "passwordless",
  routes: passwordlessRoutes,
  limiters,
  config: { shape: config, check },
  daily: deleteExpiredEmailChallenges,
} satisfies Capability;
