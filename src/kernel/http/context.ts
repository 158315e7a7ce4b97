import type { Context, Next } from "hono";
import { createMiddleware } from "hono/factory";
import { matchedRoutes } from "hono/route";
import { getConfig, type Env } from "../config";
import type { LimiterSpec } from "../names";
import { buildDeps, type SecurityEventSink } from "../deps";
import { createLogger, type Logger } from "../log";
import { withRequestStorage, declareConsistency, type Consistency } from "../storage";
import { corsHeaders, preflightAnswer } from "./cors";
import { completeHeaders, prepareHeaders } from "./headers";
import { renderJsonError } from "./render-error";
import { throttle } from "./throttle";
import type { AppEnv } from "./types";

/**
 * The one middleware every request passes: its id (X-Request-Id), the headers every answer
 * carries, CORS, the parsed config (once per isolate), the modules' dependencies, and one
 * JSON log line when the answer leaves. A broken configuration answers 503 on every route
 * rather than signing anything with a bad key. One middleware, not four: each layer of
 * Hono's compose costs a frame and a promise on every request, a 404 included.
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
    const requestId = crypto.randomUUID();
    c.set("requestId", requestId);
    const origin = c.req.header("origin");
    // A preflight is answered here, before the config is required: it names its request too.
    if (origin !== undefined && c.req.method === "OPTIONS" && c.req.header("access-control-request-method") !== undefined) {
      const res = preflightAnswer(origin, corsHeaders(c.env, origin).length > 1);
      completeHeaders(res, requestId, []);
      return res;
    }
    const cors = corsHeaders(c.env, origin);
    prepareHeaders(c, requestId, cors);
    try {
      await handle(c, next, requestId, started);
    } catch (err) {
      // Only this middleware's own throws land here (a broken configuration's 503): Hono
      // renders a route's errors at the route's own level, inside next().
      c.res = renderJsonError(c, err);
    }
    completeHeaders(c.res, requestId, cors);
  });

  async function handle(c: Context<AppEnv>, next: Next, requestId: string, started: number) {
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
  }
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
