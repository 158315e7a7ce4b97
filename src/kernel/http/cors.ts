import { getConfig, type Env } from "../config";

// django-cors-headers' defaults, so a front end that worked against Django keeps working.
const ALLOW_METHODS = "DELETE, GET, OPTIONS, PATCH, POST, PUT";
const ALLOW_HEADERS = "accept, authorization, content-type, user-agent, x-csrftoken, x-requested-with";
const VARY: [string, string] = ["Vary", "Origin"];
const NOT_LISTED: readonly [string, string][] = [VARY];

/**
 * CORS for exact origins from CORS_ALLOWED_ORIGINS: the headers an answer to this origin
 * carries. A listed origin gets its own value back; any other origin gets no CORS header at
 * all, so the browser blocks it. Every answer varies by Origin.
 */
export function corsHeaders(env: Env, origin: string | undefined): readonly [string, string][] {
  if (!origin) return NOT_LISTED;
  let allowed: boolean;
  try {
    allowed = getConfig(env).CORS_ALLOWED_ORIGINS.includes(origin);
  } catch {
    allowed = false; // a broken config answers 503 later; it must not open CORS.
  }
  if (!allowed) return NOT_LISTED;
  return [VARY, ["Access-Control-Allow-Origin", origin], ["Access-Control-Expose-Headers", "Retry-After, X-Request-Id"]];
}

/** The answer to a preflight (OPTIONS with Access-Control-Request-Method), listed origin or not. */
export function preflightAnswer(origin: string, allowed: boolean): Response {
  const headers = new Headers({ Vary: "Origin" });
  if (allowed) {
    headers.set("Access-Control-Allow-Origin", origin);
    headers.set("Access-Control-Allow-Methods", ALLOW_METHODS);
    headers.set("Access-Control-Allow-Headers", ALLOW_HEADERS);
    headers.set("Access-Control-Max-Age", "86400");
  }
  return new Response(null, { status: 204, headers });
}
