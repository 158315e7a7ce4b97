import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./types";

const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/**
 * The request id (X-Request-Id) and the headers every answer carries. no-store everywhere
 * on the API: its answers hold tokens or account data, and none is worth caching. Routes that serve HTML or public keys set
 * their own CSP or Cache-Control, which this leaves alone.
 */
export const securityHeaders = createMiddleware<AppEnv>(async (c, next) => {
  // First of all middleware: every answer, a preflight or a 503 included, names its request.
  c.set("requestId", crypto.randomUUID());
  await next();
  const h = c.res.headers;
  // Only these two are ever set by a route (HTML pages, JWKS); each header call crosses
  // into the runtime, so the rest are set without asking first.
  if (!h.has("Cache-Control")) h.set("Cache-Control", "no-store");
  if (!h.has("Content-Security-Policy")) h.set("Content-Security-Policy", API_CSP);
  // The contract names the charset; Hono's c.json() leaves it implicit.
  if (h.get("Content-Type") === "application/json") h.set("Content-Type", "application/json; charset=utf-8");
  h.set("X-Request-Id", c.get("requestId"));
  h.set("X-Content-Type-Options", "nosniff");
  h.set("Referrer-Policy", "no-referrer");
  h.set("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
  h.set("X-Frame-Options", "DENY");
});
