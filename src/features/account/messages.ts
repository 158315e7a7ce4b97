import { AppError, fieldError } from "../../kernel/errors";

/** The Django account app's wording, word for word: front ends match on it. */
export const ACCOUNT_MSG = {
  termsRequired: "You must accept the terms and conditions.",
  emailTaken: "user with this Email already exists.",
  loginFailed: "Email or Password is not Valid",
  noActiveAccount: "No active account found with the given credentials",
  registered: "Registration Successful",
  passwordChanged: "Password Changed Successfully",
} as const;

export const emailTaken = () => fieldError("email", ACCOUNT_MSG.emailTaken);

/** A failed login: the account app's 401 under /api/user/, simplejwt's obtain view's under /api/token/. */
export const badCredentials = () =>
  new AppError(401, "bad_credentials", { non_field_errors: [ACCOUNT_MSG.loginFailed] }, { tokenBody: { detail: ACCOUNT_MSG.noActiveAccount } });
