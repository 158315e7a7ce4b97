import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../../kernel/http/types";
import { permissionDenied } from "./messages";

/**
 * DRF's IsAdminUser, after requireAccessToken: `is_admin` is read from the user row that
 * authentication loaded together with the session (one D1 round trip), so a demotion takes
 * effect on the next request and costs no extra query.
 */
export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  if (!c.get("auth").user.isAdmin) throw permissionDenied();
  await next();
});
