import { detailError } from "../../kernel/errors";
import { MSG } from "../../kernel/messages";

export const SESSION_MSG = {
  loggedOut: "Logged out",
  // The account app's word for a new session, whichever step opened it (password, MFA code).
  loggedIn: "Login Success",
} as const;

/** simplejwt's JWTAuthentication wording. */
export const AUTH_MSG = {
  badHeader: "Authorization header must contain two space-delimited values",
} as const;

/** Someone else's session and an unknown id answer alike, so an id reveals nothing about other accounts. */
export const sessionNotFound = () => detailError(404, MSG.notFound, "not_found");
