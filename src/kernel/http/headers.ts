import type { Context } from "hono";
import type { AppEnv } from "./types";

const API_CSP = "default-src 'none'; frame-ancestors 'none'";
const CONSTANT: [string, string][] = [
  ["X-Content-Type-Options", "nosniff"],
  ["Referrer-Policy", "no-referrer"],
  ["Strict-Transport-Security", "max-age=63072000; includeSubDomains"],
  ["X-Frame-Options", "DENY"],
];

/**
 * The headers every answer carries, set before the route runs: Hono hands them to the
 * answer's Response constructor (c.json, c.body, c.html, c.redirect), one copy instead of a
 * runtime call per header afterwards. no-store everywhere on the API: its answers hold tokens
 * or account data. A route's own c.header("Cache-Control"/"Content-Security-Policy") (HTML
 * pages, public keys) replaces these.
 */
export function prepareHeaders(c: Context<AppEnv>, requestId: string, extra: readonly [string, string][]) {
  for (const [name, value] of EVERY_ANSWER) c.header(name, value);
  c.header("X-Request-Id", requestId);
  for (const [name, value] of extra) c.header(name, value);
}

/** Every answer's headers besides its request id and CORS (bench/floor-worker.mjs carries the same). */
export const EVERY_ANSWER: readonly [string, string][] = [["Cache-Control", "no-store"], ["Content-Security-Policy", API_CSP], ...CONSTANT];

/**
 * What the Response constructor could not be handed: the charset the contract names (Hono's
 * c.json leaves it implicit), and every header on an answer built as a bare Response (a CORS
 * preflight, a handler's own), which Hono's prepared headers never reached.
 */
export function completeHeaders(res: Response, requestId: string, extra: readonly [string, string][]) {
  const h = res.headers;
  if (h.get("Content-Type") === "application/json") h.set("Content-Type", "application/json; charset=utf-8");
  if (h.has("X-Request-Id")) return;
  if (!h.has("Cache-Control")) h.set("Cache-Control", "no-store");
  if (!h.has("Content-Security-Policy")) h.set("Content-Security-Policy", API_CSP);
  h.set("X-Request-Id", requestId);
  for (const [name, value] of CONSTANT) h.set(name, value);
  for (const [name, value] of extra) h.set(name, value);
}
