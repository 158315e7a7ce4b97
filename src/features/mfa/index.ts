import { z } from "zod";
import type { Capability } from "../../kernel/capability";
import type { LimiterSpec } from "../../kernel/names";
import { mfaRoutes } from "./routes";

const limiters = {
  MFA_VERIFY_USER_LIMITER: { namespace: 2001, limit: 10, period: 60, what: "MFA setup, confirm, disable and recovery-code renewal per user (verify draws on the account's second-factor budget instead)" },
  MFA_VERIFY_IP_LIMITER: { namespace: 2002, limit: 30, period: 60, what: "mfa/verify per client IP" },
} as const satisfies Record<string, LimiterSpec>;
const events = ["login.mfa_required", "mfa.enabled", "mfa.disabled", "mfa.failed", "mfa.recovery_code_used", "mfa.recovery_codes_renewed"] as const;

// The names this capability adds to the kernel's lists, so a typo in one fails the typecheck.
declare module "../../kernel/names" {
  interface LimiterNames extends Record<keyof typeof limiters, true> {}
  interface EventTypes extends Record<(typeof events)[number], true> {}
}

const config = {
  // The issuer the authenticator app shows next to the account.
  MFA_ISSUER: z.string().trim().min(1).default("edge-auth").describe("The issuer authenticator apps show for the account."),
};
declare module "../../kernel/config" {
  interface Config extends z.infer<z.ZodObject<typeof config>> {}
}

export const mfaCapability = { name: "mfa", routes: mfaRoutes, limiters, events, config: { shape: config } } satisfies Capability;

// What other capabilities use (they import nothing else from this folder).
export { MFA_MSG } from "./messages";
export { MfaRequired, MfaRequiredToken } from "./schemas";
export { openChallenge, resetMfa, startMfaLogin } from "./service";
export type { MfaChallenge } from "./service";
export { registerSecondFactor } from "./factors";
export type { SecondFactor } from "./factors";
