import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Env } from "./config";
import type { SecurityEventSink } from "./deps";
import type { AppEnv } from "./http/types";
import type { ConfigPart, LimiterSpec } from "./names";

/**
 * What the app must know of a capability, declared in the capability's index.ts and listed
 * in src/app.ts, one line each. Everything is optional: a capability declares what it has.
 */
export interface Capability {
  name: string;
  routes?: OpenAPIHono<AppEnv, any, any>;
  /** Routes a browser reaches with a form (a provider's form_post callback): mounted before the JSON-only body rule. */
  formRoutes?: OpenAPIHono<AppEnv, any, any>;
  limiters?: Record<string, LimiterSpec>;
  /** The security event types it records (d.securityEvent). */
  events?: readonly string[];
  config?: ConfigPart;
  /**
   * Settings the capability parses from the environment itself (memoised per env): run on
   * every request, so an invalid one is a configuration error (503) everywhere, as the
   * kernel's own are, not only on the routes that use it.
   */
  settings?: (env: Env) => unknown;
  /** The daily Cron Trigger's part: delete what expired. */
  daily?: (env: Env) => Promise<unknown>;
  /** Handles EVENT_QUEUE's messages (one consumer per deployment). */
  queue?: (batch: MessageBatch<unknown>, env: Env) => Promise<void>;
  /** Receives every security event after the log line (the audit log, webhooks). */
  onSecurityEvent?: SecurityEventSink;
}

/** Every capability's limiters in one table; a name declared twice is a bug. */
export function limitersOf(capabilities: readonly Capability[]): Record<string, LimiterSpec> {
  const all: Record<string, LimiterSpec> = {};
  for (const cap of capabilities) {
    for (const [name, spec] of Object.entries(cap.limiters ?? {})) {
      if (all[name]) throw new Error(`limiter ${name} is declared twice`);
      all[name] = spec;
    }
  }
  return all;
}

export const eventTypesOf = (capabilities: readonly Capability[]): string[] => capabilities.flatMap((c) => c.events ?? []);
