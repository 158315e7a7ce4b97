import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { matchedRoutes } from "hono/route";
import { getConfig, type Env } from "../config";
import type { LimiterSpec } from "../names";
import { buildDeps, type SecurityEventSink } from "../deps";
import { createLogger, type Logger } from "../log";
import { withRequestStorage, declareConsistency, type Consistency } from "../storage";
import { throttle } from "./throttle";
import type { AppEnv } from "./types";

/**
 * Per request: the parsed config (once per isolate), the modules' dependencies, and one
 * JSON log line when the answer leaves. A broken configuration answers 503 on every route
 * rather than signing anything with a bad key. The request id is set earlier, by
 * securityHeaders, so that even a CORS preflight answer carries it.
 */
export const requestContext = (app: {
  limiters: Record<string, LimiterSpec>;
  sinks: readonly SecurityEventSink[];
  /** The capabilities' own settings checks (Capability.settings): run until they pass once per env. */
  settings: readonly ((env: Env) => unknown)[];
}) => {
  // The env object is stable for an isolate's life: once its settings passed, a request pays one lookup.
  const settled = new WeakSet<object>();
  return createMiddleware<AppEnv>(async (c, next) => {
    const started = Date.now();
    const requestId = c.get("requestId");
    // A broken configuration throws the 503 AppError; the error renderer logs its reason.
    const config = getConfig(c.env);
    if (!settled.has(c.env)) {
      for (const check of app.settings) check(c.env);
      settled.add(c.env);
    }
    const log = createLogger(requestId, config.logKey);
    // Only `app.use` registers method ALL: a request that matched nothing else is the
    // notFound handler's (a 404, a 405 or an OPTIONS answer), which needs no dependencies and
    // no storage scope, just its log line.
    if (matchedRoutes(c).every((r) => r.method === "ALL")) {
      try {
        await next();
      } finally {
        logRequest(c, log, started);
      }
      return;
    }
    c.set("limiters", app.limiters);
    c.set(
      "deps",
      buildDeps(c.env, config, {
        log,
        defer: (task) => c.executionCtx.waitUntil(task),
        // Read on first use: each header read crosses into the runtime, and a 404 needs none.
        client: () => {
          const cf = (c.req.raw as { cf?: { country?: unknown } }).cf;
          return {
            ip: c.req.header("cf-connecting-ip")?.trim().slice(0, 64) || null,
            userAgent: c.req.header("user-agent")?.slice(0, 256) ?? null,
            country: typeof cf?.country === "string" ? cf.country : null,
          };
        },
        limit: (checks) => throttle(c, checks),
        sinks: app.sinks,
      }),
    );
    try {
      await withRequestStorage(c.env.DB, { revocationReads: config.REVOCATION_CONSISTENCY === "strict" ? "primary" : "replica" }, () => next());
    } finally {
      logRequest(c, log, started);
    }
  });
};

const logRequest = (c: Context<AppEnv>, log: Logger, started: number) =>
  log.event("request", {
    method: c.req.method,
    route: c.req.routePath,
    status: c.res.status,
    latency_ms: Date.now() - started,
    user_id: c.get("userId"),
  });

/** A route's D1 consistency, declared in its middleware list before anything reads (see kernel/storage.ts). */
export const consistency = (level: Consistency) =>
  createMiddleware<AppEnv>(async (_, next) => {
    declareConsistency(level);
    await next();
  });
