import { z } from "zod";
import type { Capability } from "../../kernel/capability";
import type { LimiterSpec } from "../../kernel/names";
import { passwordResetRoutes } from "./routes";

const limiters = {
  RESET_EMAIL_LIMITER: { namespace: 1003, limit: 5, period: 60, what: "reset mails per e-mail address" },
  RESET_IP_LIMITER: { namespace: 1004, limit: 20, period: 60, what: "reset mails per client IP" },
} as const satisfies Record<string, LimiterSpec>;
const events = ["password.reset_requested", "password.reset"] as const;

// The names this capability adds to the kernel's lists, so a typo in one fails the typecheck.
declare module "../../kernel/names" {
  interface LimiterNames extends Record<keyof typeof limiters, true> {}
  interface EventTypes extends Record<(typeof events)[number], true> {}
}

const config = {
  // Seconds a reset link lives.
  PASSWORD_RESET_TIMEOUT: z.coerce.number().int().min(60).default(300).describe("Seconds a reset link lives (its D1 row's expiry and the KV TTL; at least 60)."),
};
declare module "../../kernel/config" {
  interface Config extends z.infer<z.ZodObject<typeof config>> {}
}

export const passwordResetCapability = { name: "password-reset", routes: passwordResetRoutes, limiters, events, config: { shape: config } } satisfies Capability;

// What other capabilities use (they import nothing else from this folder).
export { RESET_MSG } from "./messages";
export { requestReset } from "./service";
