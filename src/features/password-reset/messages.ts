import { nonFieldError } from "../../kernel/errors";

/** The Django account app's wording for resets, word for word, and the reset page's own. */
export const RESET_MSG = {
  tokenInvalid: "Token is not Valid or Expired",
  sent: "Password Reset link send. Please check your Email",
  done: "Password Reset Successfully",
  page: {
    emptyPassword: "Enter a new password.",
    emptyPassword2: "Enter the new password again.",
    tooLargeTitle: "The form was too large",
    tooLarge: "The form sent more than 64 KiB, more than a password can need. Nothing was changed.",
    unreadableTitle: "The form could not be read",
    unreadable: "This page only accepts its own form. Nothing was changed.",
    unavailableTitle: "Service temporarily unavailable",
    unavailable: "Your password was not changed. Please try again in a moment.",
    failedTitle: "Something went wrong",
    failed: "Your password was not changed. Please try again in a moment.",
  },
} as const;

export const resetLinkInvalid = () => nonFieldError(RESET_MSG.tokenInvalid, 400, "reset_link_invalid");
