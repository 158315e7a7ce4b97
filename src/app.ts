import { OpenAPIHono } from "@hono/zod-openapi";
import { accountRoutes } from "./features/account/routes";
import { emailAddressRoutes } from "./features/email-address/routes";
import { adminRoutes } from "./features/admin/routes";
import { auditRoutes } from "./features/audit/routes";
import { mountDocs } from "./features/docs/routes";
import { healthRoutes } from "./features/health/routes";
import { mfaRoutes } from "./features/mfa/routes";
import { passwordResetRoutes } from "./features/password-reset/routes";
import { sessionRoutes } from "./features/sessions/routes";
import { tokenRoutes } from "./features/tokens/routes";
import { breachedPasswordsConfig } from "./features/breached-passwords";
import { turnstileConfig } from "./features/turnstile";
import { detailError } from "./kernel/errors";
import { requestContext } from "./kernel/http/context";
import { cors } from "./kernel/http/cors";
import { securityHeaders } from "./kernel/http/headers";
import { jsonBody } from "./kernel/http/json-body";
import { allowedMethods } from "./kernel/http/methods";
import { renderJsonError } from "./kernel/http/render-error";
import type { AppEnv } from "./kernel/http/types";
import { validationHook } from "./kernel/http/validation";
import { MSG } from "./kernel/messages";

// strict: false serves every path with and without its trailing slash, as the contract asks.
const app = new OpenAPIHono<AppEnv>({ strict: false, defaultHook: validationHook });

app.use("*", securityHeaders, cors, requestContext);
// Capabilities' own settings, checked on every request (memoised per env): invalid ones are a
// configuration error (503) everywhere, as the kernel's are, not only on the routes using them.
app.use("*", async (c, next) => {
  turnstileConfig(c.env);
  breachedPasswordsConfig(c.env);
  await next();
});
app.use("/api/*", jsonBody());

// One line per capability.
const routes = app
  .route("/", accountRoutes)
  .route("/", passwordResetRoutes)
  .route("/", sessionRoutes)
  .route("/", tokenRoutes)
  .route("/", healthRoutes)
  .route("/", mfaRoutes)
  .route("/", emailAddressRoutes)
  .route("/", adminRoutes)
  .route("/", auditRoutes);

app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", { type: "http", scheme: "bearer", bearerFormat: "JWT" });
mountDocs(app);

app.notFound((c) => {
  const allow = allowedMethods(app.routes, c.req.path);
  if (allow.length === 0) throw detailError(404, MSG.notFound, "not_found");
  if (c.req.method === "OPTIONS") return c.body(null, 204, { Allow: [...allow, "OPTIONS"].join(", ") });
  throw detailError(405, MSG.methodNotAllowed(c.req.method), "method_not_allowed", { Allow: [...allow, "OPTIONS"].join(", ") });
});

app.onError((err, c) => renderJsonError(c, err));

export default app;
export type AppType = typeof routes;
