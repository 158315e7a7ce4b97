import type { z } from "zod";

/**
 * Names the capabilities add by declaration merging (`declare module ".../kernel/names"`
 * in their index.ts), so the kernel types a limiter or event name without knowing any of them.
 * @public
 */
export interface LimiterNames {}
/** @public (see LimiterNames) */
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
