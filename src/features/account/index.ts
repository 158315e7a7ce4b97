import type { Capability } from "../../kernel/capability";
import type { LimiterSpec } from "../../kernel/names";
import { accountRoutes } from "./routes";

const limiters = {
  LOGIN_IP_LIMITER: { namespace: 1001, limit: 60, period: 60, what: "login and /api/token/ per client IP (/64 for IPv6)" },
  LOGIN_ACCOUNT_LIMITER: { namespace: 1002, limit: 10, period: 60, what: "login and /api/token/ per (IP, e-mail)" },
  REGISTER_IP_LIMITER: { namespace: 1005, limit: 30, period: 60, what: "registrations per client IP" },
  REFRESH_IP_LIMITER: { namespace: 1006, limit: 100, period: 10, what: "token refreshes per client IP" },
  LOGIN_USER_LIMITER: { namespace: 1007, limit: 30, period: 60, what: "login and /api/token/ per e-mail, from any IP" },
  PASSWORD_CHANGE_IP_LIMITER: { namespace: 1009, limit: 20, period: 60, what: "password changes per client IP" },
  COSTLY_HASH_LIMITER: { namespace: 1010, limit: 5, period: 60, what: "logins checking an imported PBKDF2 hash, per user" },
} as const satisfies Record<string, LimiterSpec>;
const events = ["user.registered", "login.succeeded", "login.failed", "password.changed"] as const;

// The names this capability adds to the kernel's lists, so a typo in one fails the typecheck.
declare module "../../kernel/names" {
  interface LimiterNames extends Record<keyof typeof limiters, true> {}
  interface EventTypes extends Record<(typeof events)[number], true> {}
}

/** Registration, login (the account app's and simplejwt's views), profile, password change. */
export const accountCapability = { name: "account", routes: accountRoutes, limiters, events } satisfies Capability;
