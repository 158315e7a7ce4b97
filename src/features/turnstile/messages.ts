import { AppError, fieldError } from "../../kernel/errors";
import { MSG } from "../../kernel/messages";

/** The contract's wording for Turnstile ("v3, part 2", Turnstile), word for word. */
export const TURNSTILE_MSG = {
  failed: "Verification failed. Please try again.",
  unavailable: "Verification is unavailable. Please try again later.",
  /** The worker's own pages run no script, so they cannot show the widget. */
  pageTitle: "Please use the app",
  pageMessage: "For your security, a new link can only be requested from the app or site where you signed up.",
} as const;

export const tokenMissing = () => fieldError("turnstile_token", MSG.required);
export const tokenRefused = () => fieldError("turnstile_token", TURNSTILE_MSG.failed);
/** Fails closed: a guard that cannot ask siteverify lets nobody through. `reason` is for the log only. */
export const verificationUnavailable = (reason: string) =>
  new AppError(503, "turnstile_unavailable", { detail: TURNSTILE_MSG.unavailable, code: "turnstile_unavailable" }, { log: { event: "turnstile_unavailable", reason } });
