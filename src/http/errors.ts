import { MSG } from "./messages";

export type FieldErrors = Record<string, string[]>;
export interface DetailError {
  detail: string;
  /** DRF leaves it out where the Django view did (simplejwt's obtain view). */
  code?: string;
  [extra: string]: unknown;
}
export type ErrorBody = FieldErrors | DetailError;

/**
 * An answer that is not a success. Modules below routes/ throw their own typed errors;
 * routes translate them into this, and `renderError` puts it in the right envelope.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body.detail === "string" ? body.detail : "validation failed");
    this.name = "ApiError";
  }
}

export const fieldError = (field: string, ...messages: string[]) =>
  new ApiError(400, { [field]: messages });
export const nonFieldError = (message: string, status = 400) =>
  new ApiError(status, { non_field_errors: [message] });
export const detailError = (status: number, detail: string, code?: string, headers?: Record<string, string>) =>
  new ApiError(status, code ? { detail, code } : { detail }, headers);

export const notAuthenticated = () => detailError(401, MSG.notAuthenticated, "not_authenticated");
export const unavailable = () => detailError(503, MSG.unavailable, "unavailable");

/**
 * simplejwt's own views answer bare DRF errors; the account app's renderer wraps every
 * error in {"errors": ...}. Front ends written for Django parse both shapes, so keep both.
 */
export function envelope(path: string, body: ErrorBody): unknown {
  return isTokenPath(path) ? body : { errors: body };
}

export const isTokenPath = (path: string) => path === "/api/token" || path.startsWith("/api/token/");
