import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./types";

const API_CSP = "default-src 'none'; frame-ancestors 'none'";
const CONSTANT: [string, string][] = [
  ["X-Content-Type-Options", "nosniff"],
  ["Referrer-Policy", "no-referrer"],
  ["Strict-Transport-Security", "max-age=63072000; includeSubDomains"],
  ["X-Frame-Options", "DENY"],
];

/**
 * The request id (X-Request-Id) and the headers every answer carries. no-store everywhere
 * on the API: its answers hold tokens or account data, and none is worth caching. Routes that serve HTML or public keys set
 * their own CSP or Cache-Control, which this leaves alone.
 */
export const securityHeaders = createMiddleware<AppEnv>(async (c, next) => {
  // First of all middleware: every answer, a preflight or a 503 included, names its request.
  const requestId = crypto.randomUUID();
  c.set("requestId", requestId);
  // Set before the route runs, Hono hands them to the answer's Response constructor (c.json,
  // c.body, c.html): one copy instead of a runtime call per header afterwards. A route's own
  // c.header("Cache-Control"/"Content-Security-Policy") replaces these.
  c.header("Cache-Control", "no-store");
  c.header("Content-Security-Policy", API_CSP);
  c.header("X-Request-Id", requestId);
  for (const [name, value] of CONSTANT) c.header(name, value);
  await next();
  const h = c.res.headers;
  // The contract names the charset; Hono's c.json() leaves it implicit.
  if (h.get("Content-Type") === "application/json") h.set("Content-Type", "application/json; charset=utf-8");
  // An answer built as a bare Response (a CORS preflight, a handler's own) did not get them.
  if (h.has("X-Request-Id")) return;
  if (!h.has("Cache-Control")) h.set("Cache-Control", "no-store");
  if (!h.has("Content-Security-Policy")) h.set("Content-Security-Policy", API_CSP);
  h.set("X-Request-Id", requestId);
  for (const [name, value] of CONSTANT) h.set(name, value);
});
