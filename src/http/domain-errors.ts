import { DomainError } from "../auth/errors";
import { ApiError, detailError, fieldError, nonFieldError } from "./errors";
import { MSG } from "./messages";

const tokenNotValid = (detail: string) => detailError(401, detail, "token_not_valid");

/**
 * The one place where a module's refusal becomes a status and Django's wording. Token
 * errors differ by where they happen, as in Django: simplejwt's views name the reason,
 * while authenticating a request says "not valid for any token type".
 */
export function toApiError(err: DomainError, where: "token_view" | "authentication" | "user_view"): ApiError {
  switch (err.code) {
    case "email_taken":
      return fieldError("email", MSG.emailTaken);
    case "bad_credentials":
      return where === "token_view" ? detailError(401, MSG.noActiveAccount) : nonFieldError(MSG.loginFailed, 401);
    case "current_password_wrong":
      return fieldError("current_password", MSG.currentPasswordWrong);
    case "password_rules":
      return fieldError("password", ...err.messages);
    case "reset_link_invalid":
      return nonFieldError(MSG.resetTokenInvalid);
    case "session_not_found":
      return detailError(404, MSG.notFound, "not_found");
    case "token_invalid":
    case "token_wrong_type":
      if (where === "authentication") {
        return new ApiError(401, {
          detail: MSG.tokenNotValidForAnyType,
          code: "token_not_valid",
          messages: [{ token_class: "AccessToken", token_type: "access", message: MSG.tokenInvalid }],
        }, { "WWW-Authenticate": 'Bearer realm="api"' });
      }
      return tokenNotValid(err.code === "token_wrong_type" ? MSG.tokenWrongType : MSG.tokenInvalid);
  }
}

export { DomainError };
