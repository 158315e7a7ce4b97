import type { Capability } from "../../kernel/capability";
import { adminRoutes } from "./routes";

const events = ["admin.user_updated", "admin.user_deleted", "admin.sessions_revoked", "admin.mfa_reset", "admin.password_reset_sent", "admin.promoted", "admin.demoted"] as const;

// The names this capability adds to the kernel's lists, so a typo in one fails the typecheck.
declare module "../../kernel/names" {
  interface EventTypes extends Record<(typeof events)[number], true> {}
}

/** admin.promoted and admin.demoted are written by scripts/admin-promote.mjs, outside the worker. */
export const adminCapability = { name: "admin", routes: adminRoutes, events } satisfies Capability;

// What other capabilities use (they import nothing else from this folder).
export { requireAdmin } from "./require-admin";
