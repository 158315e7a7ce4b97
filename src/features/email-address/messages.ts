import { AppError, nonFieldError } from "../../kernel/errors";

/** The contract's wording for verification and e-mail change, word for word, and the pages' own. */
export const EMAIL_MSG = {
  verificationSent: "Verification link send. Please check your Email",
  verified: "Email Verified Successfully",
  tokenInvalid: "Token is not Valid or Expired",
  notVerified: "Email address is not verified.",
  changeSent: "Confirmation link send to the new address",
  changed: "Email Changed Successfully",
  registeredVerify: "Registration Successful",
  page: {
    emptyEmail: "Enter your email address.",
    badEmail: "Enter a valid email address.",
    throttledTitle: "Too many requests",
    throttled: "Please wait a minute, then try again.",
    unavailableTitle: "Service temporarily unavailable",
    unavailable: "Nothing was changed. Please try again in a moment.",
    failedTitle: "Something went wrong",
    failed: "Nothing was changed. Please try again in a moment.",
  },
} as const;

export const emailLinkInvalid = () => nonFieldError(EMAIL_MSG.tokenInvalid, 400, "email_link_invalid");
/** mandatory mode, after a right password: 403, the same body under /api/user/ (wrapped) and /api/token/ (bare). */
export const emailNotVerified = () => new AppError(403, "email_not_verified", { detail: EMAIL_MSG.notVerified, code: "email_not_verified" });
