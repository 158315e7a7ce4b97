import type { Capability } from "../../kernel/capability";
import type { LimiterSpec } from "../../kernel/names";
import { emailAddressRoutes } from "./routes";

const limiters = {
  VERIFY_EMAIL_LIMITER: { namespace: 3001, limit: 5, period: 60, what: "verification mails (API and the page's resend form) per e-mail address" },
  VERIFY_IP_LIMITER: { namespace: 3002, limit: 20, period: 60, what: "verification mails per client IP" },
  EMAIL_CHANGE_USER_LIMITER: { namespace: 3003, limit: 5, period: 60, what: "e-mail change requests per user, from any IP" },
  EMAIL_CHANGE_ADDRESS_LIMITER: { namespace: 3004, limit: 5, period: 60, what: "e-mail change requests per new address" },
  EMAIL_CHANGE_IP_LIMITER: { namespace: 3005, limit: 20, period: 60, what: "e-mail change requests per client IP" },
} as const satisfies Record<string, LimiterSpec>;
const events = ["email.verified", "email.change_requested", "email.changed"] as const;

// The names this capability adds to the kernel's lists, so a typo in one fails the typecheck.
declare module "../../kernel/names" {
  interface LimiterNames extends Record<keyof typeof limiters, true> {}
  interface EventTypes extends Record<(typeof events)[number], true> {}
}

export const emailAddressCapability = { name: "email-address", routes: emailAddressRoutes, limiters, events } satisfies Capability;

// What other capabilities use (they import nothing else from this folder).
export { RegisteredUnverified } from "./schemas";
export { assertMayGetTokens, sendVerificationAtRegistration, verifyLinkBase } from "./service";
