import { AppError, nonFieldError } from "../../kernel/errors";

/** The contract's wording for provider sign-in ("Social and OIDC sign-in"), word for word. */
export const OIDC_MSG = {
  redirectNotAllowed: "Redirect URL is not allowed.",
  invalidChallenge: "Enter a valid code challenge.",
  providerUnavailable: "Identity provider unavailable.",
  invalidCode: "Code is not Valid or Expired",
  /** The callback's page (400 text/html) for an unknown, expired or spent state. */
  invalidState: "This sign-in attempt is not valid or has expired.",
} as const;

export const providerUnavailable = () =>
  new AppError(503, "provider_unavailable", { detail: OIDC_MSG.providerUnavailable, code: "provider_unavailable" });
export const invalidAppCode = () => nonFieldError(OIDC_MSG.invalidCode);
