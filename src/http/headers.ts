import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./types";

const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/**
 * Headers every answer carries. no-store everywhere on the API: its answers hold tokens
 * or account data, and none is worth caching. Routes that serve HTML or public keys set
 * their own CSP or Cache-Control, which this leaves alone.
 */
export const securityHeaders = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  const h = c.res.headers;
  const set = (name: string, value: string) => {
    if (!h.has(name)) h.set(name, value);
  };
  set("X-Request-Id", c.get("requestId") ?? "");
  // The contract names the charset; Hono's c.json() leaves it implicit.
  if (h.get("Content-Type") === "application/json") h.set("Content-Type", "application/json; charset=utf-8");
  set("Cache-Control", "no-store");
  set("X-Content-Type-Options", "nosniff");
  set("Referrer-Policy", "no-referrer");
  set("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
  set("X-Frame-Options", "DENY");
  set("Content-Security-Policy", API_CSP);
});
