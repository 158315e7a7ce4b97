import { detailError, fieldError, nonFieldError } from "../../kernel/errors";
import { MSG } from "../../kernel/messages";

/** The contract's wording for passkeys, word for word. */
export const PASSKEY_MSG = {
  notVerified: "Passkey could not be verified.",
  signInFailed: "Passkey sign-in failed",
} as const;

/** Any refused registration or second step: one body, whatever the reason (the log has it). */
export const notVerified = () => fieldError("credential", PASSKEY_MSG.notVerified);
/** Any refused passkey sign-in: one body, so a caller learns nothing about which check failed. */
export const signInFailed = () => nonFieldError(PASSKEY_MSG.signInFailed, 401, "authentication_failed");
export const notFound = () => detailError(404, MSG.notFound, "not_found");
