import type { LimiterSpec } from "../names";
import type { Env } from "../config";
import type { Deps } from "../deps";

/**
 * Hono's environment for this app: bindings plus what the kernel's middleware hands to
 * handlers. A capability adds its own variables through Hono's ContextVariableMap (the
 * sessions capability's `auth`), so the kernel names none of them.
 */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    deps: Deps;
    /** Every capability's limiters, by binding name (for Retry-After). */
    limiters: Record<string, LimiterSpec>;
    /** The authenticated user's id for the request's log line, set by whoever authenticates. */
    userId?: number;
  };
}
