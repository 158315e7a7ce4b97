import { detailError, fieldError, nonFieldError } from "../../kernel/errors";

/** Django's validator messages and help texts (AUTH_PASSWORD_VALIDATORS), word for word. */
export const PASSWORD_MSG = {
  mismatch: "Password and Confirm Password doesn't match",
  tooSimilar: (verboseName: string) => `The password is too similar to the ${verboseName}.`,
  tooShort: (min: number) => `This password is too short. It must contain at least ${min} characters.`,
  tooCommon: "This password is too common.",
  entirelyNumeric: "This password is entirely numeric.",
  currentPasswordWrong: "Your old password was entered incorrectly. Please enter it again.",
  help: (min: number): readonly string[] =>
    Object.freeze([
      "Your password can’t be too similar to your other personal information.",
      `Your password must contain at least ${min} characters.`,
      "Your password can’t be a commonly used password.",
      "Your password can’t be entirely numeric.",
    ]),
} as const;

/** The serializers' confirmation check: a non-field error, as the Django project words it. */
export function assertPasswordsMatch(password: string, password2: string) {
  if (password !== password2) throw nonFieldError(PASSWORD_MSG.mismatch);
}

/** The common rules' refusal when only a recent sign-in would do (CONTRACT v3 part 2). */
export const reauthenticationRequired = () => detailError(403, "Please sign in again to continue.", "reauthentication_required");

/** A wrong current password where an operation asks for it again (password change, MFA, e-mail change). */
export const currentPasswordWrong = () => fieldError("current_password", PASSWORD_MSG.currentPasswordWrong);
