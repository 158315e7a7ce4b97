import { createMiddleware } from "hono/factory";
import { authenticate } from "../auth/sessions";
import { DomainError } from "../auth/errors";
import { toApiError } from "./domain-errors";
import { detailError, notAuthenticated } from "./errors";
import type { AppEnv } from "./types";

/** simplejwt's JWTAuthentication: "Bearer <token>"; anything else is "not provided". */
export const requireAccessToken = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("authorization");
  const parts = header?.trim().split(/\s+/) ?? [];
  if (parts[0] !== "Bearer") throw notAuthenticated();
  if (parts.length !== 2) {
    throw detailError(401, "Authorization header must contain two space-delimited values", "bad_authorization_header");
  }
  try {
    c.set("auth", await authenticate(c.get("deps"), parts[1]!));
  } catch (err) {
    if (err instanceof DomainError) throw toApiError(err, "authentication");
    throw err;
  }
  await next();
});
