import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { AppError, detailError, findAppError } from "../errors";
import { describeError, logError } from "../log";
import { MSG } from "../messages";
import type { AppEnv } from "./types";

/**
 * Any thrown value as the AppError to answer with: ours as they are (found through
 * Drizzle's wrappers), Hono's own 4xx in DRF's shape, and everything else a logged 500
 * that tells the client nothing. 5xx that carry a `log` reason are logged here too, so the
 * operator finds the request id of every failure in one place.
 */
export function classifyError(err: unknown, requestId: string | undefined): AppError {
  const app = findAppError(err);
  if (app) {
    if (app.options.log) logError(app.options.log.event ?? "error", { request_id: requestId, ...app.options.log });
    return app;
  }
  if (err instanceof HTTPException && err.status < 500) return detailError(err.status, err.message || MSG.parseError, "error");
  logError("unhandled_error", { request_id: requestId, error: describeError(err) });
  return detailError(500, MSG.serverError, "error");
}

const isTokenPath = (path: string) => path === "/api/token" || path.startsWith("/api/token/");

/**
 * The JSON answer of an error. simplejwt's own views answer bare DRF errors; the account
 * app's renderer wraps every error in {"errors": ...}. Front ends written for Django parse
 * both shapes, so both stay.
 */
export function renderJsonError(c: Context<AppEnv>, err: unknown) {
  const e = classifyError(err, c.get("requestId"));
  const body = isTokenPath(c.req.path) ? (e.options.tokenBody ?? e.body) : { errors: e.body };
  // The charset named here, so the answer needs no header fixed after it is built.
  return c.body(JSON.stringify(body), e.status as 400, { ...e.options.headers, "Content-Type": JSON_UTF8 });
}

const JSON_UTF8 = "application/json; charset=utf-8";
