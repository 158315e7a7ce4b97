import type { Capability } from "../../kernel/capability";
import type { LimiterSpec } from "../../kernel/names";
import { recordEvent, type EventMessage } from "./events";
import { deleteOldEvents } from "./retention";
import { auditRoutes } from "./routes";
import { consumeEvents } from "./webhooks";

const limiters = {
  AUDIT_FAILURE_BUDGET: { namespace: 4001, limit: 10, period: 60, what: "audit events of failed logins written per account (past it the event is logged but not written; the request is not affected)" },
} as const satisfies Record<string, LimiterSpec>;

// The names this capability adds to the kernel's lists, so a typo in one fails the typecheck.
declare module "../../kernel/names" {
  interface LimiterNames extends Record<keyof typeof limiters, true> {}
}

/** The audit log and its webhooks: every capability's security events, filtered by `eventTypes` (the app's assembled list). */
export const auditCapability = (eventTypes: readonly string[]) =>
  ({
    name: "audit",
    routes: auditRoutes(eventTypes),
    limiters,
    daily: deleteOldEvents,
    queue: (batch, env) => consumeEvents(batch as MessageBatch<EventMessage>, env),
    onSecurityEvent: recordEvent,
  }) satisfies Capability;
