import { createMiddleware } from "hono/factory";
import { detailError, notAuthenticated } from "../../kernel/errors";
import type { AppEnv } from "../../kernel/http/types";
import { AUTH_MSG } from "./messages";
import { authenticate, type Authenticated } from "./service";

// The authenticated user reaches every capability's handlers through Hono's typed context.
declare module "hono" {
  interface ContextVariableMap {
    /** Set by requireAccessToken. */
    auth: Authenticated;
  }
}

/** simplejwt's JWTAuthentication: "Bearer <token>"; anything else is "not provided". */
export const requireAccessToken = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("authorization");
  const parts = header?.trim().split(/\s+/) ?? [];
  if (parts[0] !== "Bearer") throw notAuthenticated();
  if (parts.length !== 2) {
    throw detailError(401, AUTH_MSG.badHeader, "bad_authorization_header");
  }
  const auth = await authenticate(c.get("deps"), parts[1]!);
  c.set("auth", auth);
  c.set("userId", auth.user.id);
  await next();
});
