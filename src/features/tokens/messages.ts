import { AppError, detailError } from "../../kernel/errors";

/** simplejwt's wording, word for word: front ends match on it. */
const TOKEN_MSG = {
  notValidForAnyType: "Given token not valid for any token type",
  invalid: "Token is invalid or expired",
  wrongType: "Token has wrong type",
} as const;

export const tokenInvalid = () => detailError(401, TOKEN_MSG.invalid, "token_not_valid");
export const tokenWrongType = () => detailError(401, TOKEN_MSG.wrongType, "token_not_valid");

/** simplejwt's JWTAuthentication refusing a bearer token: it names no reason but lists the class it tried. */
export const bearerTokenInvalid = () =>
  new AppError(
    401,
    "token_not_valid",
    {
      detail: TOKEN_MSG.notValidForAnyType,
      code: "token_not_valid",
      messages: [{ token_class: "AccessToken", token_type: "access", message: TOKEN_MSG.invalid }],
    },
    { headers: { "WWW-Authenticate": 'Bearer realm="api"' } },
  );

/** simplejwt 5's verify view with the blacklist app: a revoked token is a validation error, not a 401. */
export const tokenBlacklisted = () => new AppError(400, "token_blacklisted", { non_field_errors: ["Token is blacklisted"] });
