import { MSG } from "./messages";

export type FieldErrors = Record<string, string[]>;
interface DetailBody {
  detail: string;
  /** DRF leaves it out where the Django view did (simplejwt's obtain view). */
  code?: string;
  [extra: string]: unknown;
}
export type ErrorBody = FieldErrors | DetailBody;

export interface AppErrorOptions {
  headers?: Record<string, string>;
  /** The body under /api/token/, where simplejwt's views word a refusal their own way. */
  tokenBody?: ErrorBody;
  /** For the operator's log line (never shown to the client): why a 5xx happened. */
  log?: Record<string, string>;
}

/**
 * The one error every module throws for an answer that is not a success: status, a stable
 * code, and the body in the contract's wording. The renderer only chooses the envelope
 * (wrapped under /api/user/, bare under /api/token/) or the page, so nothing translates
 * one error class into another on the way out.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly body: ErrorBody,
    readonly options: AppErrorOptions = {},
  ) {
    super(typeof body.detail === "string" ? body.detail : code);
    this.name = "AppError";
  }

  /** Field errors of a 400, e.g. the password rules a form shows next to its field. */
  field(name: string): string[] {
    const value = (this.body as Record<string, unknown>)[name];
    return Array.isArray(value) ? (value as string[]) : [];
  }
}

export const fieldError = (field: string, ...messages: string[]) => new AppError(400, "invalid", { [field]: messages });
export const fieldErrors = (fields: FieldErrors) => new AppError(400, "invalid", fields);
export const nonFieldError = (message: string, status = 400, code = "invalid") =>
  new AppError(status, code, { non_field_errors: [message] });
export const detailError = (status: number, detail: string, code?: string, headers?: Record<string, string>) =>
  new AppError(status, code ?? "error", code ? { detail, code } : { detail }, { headers });

export const notAuthenticated = () => detailError(401, MSG.notAuthenticated, "not_authenticated");
/** A 503 the client may retry; `log`, when given, tells the operator (once, by the renderer) what failed. */
export const unavailable = (log?: Record<string, string>) =>
  new AppError(503, "unavailable", { detail: MSG.unavailable, code: "unavailable" }, { log });

/**
 * The AppError behind an error, if any. Storage failures are AppErrors thrown by the
 * guarded bindings (kernel/storage.ts), and Drizzle wraps them ("Failed query: …") with
 * `cause`: this is the one place that looks through such wrappers.
 */
export function findAppError(err: unknown): AppError | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as Error).cause, depth++) {
    if (e instanceof AppError) return e;
  }
  return undefined;
}
