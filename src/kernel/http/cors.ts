import { createMiddleware } from "hono/factory";
import { getConfig } from "../config";
import type { AppEnv } from "./types";

// django-cors-headers' defaults, so a front end that worked against Django keeps working.
const ALLOW_METHODS = "DELETE, GET, OPTIONS, PATCH, POST, PUT";
const ALLOW_HEADERS = "accept, authorization, content-type, user-agent, x-csrftoken, x-requested-with";

/**
 * CORS for exact origins from CORS_ALLOWED_ORIGINS. A listed origin gets its own value
 * back; any other origin gets no CORS header at all, so the browser blocks it.
 */
export const cors = createMiddleware<AppEnv>(async (c, next) => {
  const origin = c.req.header("origin");
  let allowed = false;
  if (origin) {
    try {
      allowed = getConfig(c.env).CORS_ALLOWED_ORIGINS.includes(origin);
    } catch {
      allowed = false; // a broken config answers 503 later; it must not open CORS.
    }
  }
  const preflight = c.req.method === "OPTIONS" && origin !== undefined && c.req.header("access-control-request-method") !== undefined;
  if (preflight) {
    const headers = new Headers({ Vary: "Origin" });
    if (allowed) {
      headers.set("Access-Control-Allow-Origin", origin!);
      headers.set("Access-Control-Allow-Methods", ALLOW_METHODS);
      headers.set("Access-Control-Allow-Headers", ALLOW_HEADERS);
      headers.set("Access-Control-Max-Age", "86400");
    }
    return new Response(null, { status: 204, headers });
  }
  await next();
  c.res.headers.append("Vary", "Origin");
  if (allowed) {
    c.res.headers.set("Access-Control-Allow-Origin", origin!);
    c.res.headers.set("Access-Control-Expose-Headers", "Retry-After, X-Request-Id");
  }
});
