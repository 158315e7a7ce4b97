import { AppError, fieldError, nonFieldError, unavailable } from "../../kernel/errors";
import { tokenInvalid } from "../tokens";

/** The contract's wording for two-factor authentication, word for word. */
export const MFA_MSG = {
  required: "Two-factor authentication required",
  enabled: "Two-factor authentication enabled",
  disabled: "Two-factor authentication disabled",
  recoveryCodesRenewed: "New recovery codes generated",
  invalidCode: "Invalid code",
  alreadyEnabled: "Two-factor authentication is already enabled",
  notEnabled: "Two-factor authentication is not enabled",
  noPendingSetup: "Start the two-factor setup first",
} as const;

/** A wrong, replayed or used code: under `code`, or `recovery_code` for mfa/verify's recovery path. */
export const invalidCode = (field: "code" | "recovery_code" = "code") => fieldError(field, MFA_MSG.invalidCode);
export const alreadyEnabled = () => nonFieldError(MFA_MSG.alreadyEnabled);
export const notEnabled = () => nonFieldError(MFA_MSG.notEnabled);
export const noPendingSetup = () => nonFieldError(MFA_MSG.noPendingSetup);
/** An mfa_token that is unknown, expired, spent or dead after 5 failures: simplejwt's "invalid or expired". */
export const mfaTokenInvalid = (): AppError => tokenInvalid();

/** MFA_ENCRYPTION_KEY unset: the MFA endpoints, and the login of users who have MFA, answer 503. */
export const mfaUnavailable = () => unavailable({ event: "mfa_unavailable", reason: "MFA_ENCRYPTION_KEY is not set" });
/** A stored secret was encrypted under a key id no longer in MFA_ENCRYPTION_KEY (removed too early). */
export const mfaKeyMissing = (kid: string) => unavailable({ event: "mfa_unavailable", reason: `no MFA_ENCRYPTION_KEY with key id ${kid}` });
