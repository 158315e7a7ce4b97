import type { OpenAPIHono } from "@hono/zod-openapi";
import type { z } from "zod";
import type { Env } from "./config";
import type { Deps } from "./deps";
import type { AppEnv } from "./http/types";
import type { SecurityEvent } from "./events";

/**
 * Names the capabilities add by declaration merging (`declare module ".../kernel/capability"`
 * in their index.ts), so the kernel types a limiter or event name without knowing any of them.
 */
export interface LimiterNames {}
export interface EventTypes {}
export type Limiter = keyof LimiterNames & string;
export type EventType = keyof EventTypes & string;

/** One [[ratelimits]] block of wrangler.toml; `period` (10 or 60 s, the platform's choice) becomes Retry-After. */
export interface LimiterSpec {
  namespace: number;
  limit: number;
  period: 10 | 60;
  what: string;
}

/** Config fields a capability reads, merged into the one config schema; `check` refuses combinations (503). */
export interface ConfigPart {
  shape: z.ZodRawShape;
  check?: (parsed: Record<string, unknown>) => string | undefined;
}

/**
 * What the app must know of a capability, declared in the capability's index.ts and listed
 * in src/app.ts, one line each. Everything is optional: a capability declares what it has.
 */
export interface Capability {
  name: string;
  routes?: OpenAPIHono<AppEnv, any, any>;
  limiters?: Record<string, LimiterSpec>;
  /** The security event types it records (d.securityEvent). */
  events?: readonly string[];
  config?: ConfigPart;
  /** The daily Cron Trigger's part: delete what expired. */
  daily?: (env: Env) => Promise<unknown>;
  /** Handles EVENT_QUEUE's messages (one consumer per deployment). */
  queue?: (batch: MessageBatch<unknown>, env: Env) => Promise<void>;
  /** Receives every security event after the log line (the audit log, webhooks). */
  onSecurityEvent?: (d: Deps, event: SecurityEvent) => void;
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
