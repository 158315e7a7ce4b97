import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { DomainError } from "./auth/errors";
import { cors } from "./http/cors";
import { requestContext } from "./http/context";
import { toApiError } from "./http/domain-errors";
import { findStorageError } from "./db/guard";
import { describeError } from "./log";
import { ApiError, detailError, envelope, isTokenPath, unavailable } from "./http/errors";
import { securityHeaders } from "./http/headers";
import { jsonBody } from "./http/json-body";
import { MSG } from "./http/messages";
import type { AppEnv } from "./http/types";
import { allowedMethods } from "./http/methods";
import { validationHook } from "./http/validation";
import { mountDocs } from "./routes/docs";
import { healthRoutes } from "./routes/health";
import { jwksRoutes } from "./routes/jwks";
import { resetPageRoutes } from "./routes/reset-page";
import { sessionRoutes } from "./routes/sessions";
import { tokenRoutes } from "./routes/token";
import { userRoutes } from "./routes/user";

// strict: false serves every path with and without its trailing slash, as the contract asks.
const app = new OpenAPIHono<AppEnv>({ strict: false, defaultHook: validationHook });

app.use("*", securityHeaders, cors, requestContext);
app.use("/api/*", jsonBody());

const routes = app
  .route("/", userRoutes)
  .route("/", tokenRoutes)
  .route("/", sessionRoutes)
  .route("/", healthRoutes)
  .route("/", jwksRoutes)
  .route("/", resetPageRoutes);

app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", { type: "http", scheme: "bearer", bearerFormat: "JWT" });
mountDocs(app);

app.notFound((c) => {
  const allow = allowedMethods(app.routes, c.req.path);
  if (allow.length === 0) throw detailError(404, MSG.notFound, "not_found");
  if (c.req.method === "OPTIONS") return c.body(null, 204, { Allow: [...allow, "OPTIONS"].join(", ") });
  throw detailError(405, MSG.methodNotAllowed(c.req.method), "method_not_allowed", { Allow: [...allow, "OPTIONS"].join(", ") });
});

app.onError((err, c) => {
  let apiError: ApiError;
  const storage = findStorageError(err);
  if (err instanceof ApiError) apiError = err;
  // Routes let the modules' refusals through; simplejwt's views and the account app word them differently.
  else if (err instanceof DomainError) apiError = toApiError(err, isTokenPath(c.req.path) ? "token_view" : "user_view");
  else if (err instanceof HTTPException && err.status < 500) apiError = detailError(err.status, err.message || MSG.parseError, "error");
  else if (storage) {
    // Storage down or slow: the client may retry; the operator finds the request id in the log.
    console.error(JSON.stringify({ level: "error", event: "storage_unavailable", request_id: c.get("requestId"), store: storage.store, reason: storage.reason }));
    apiError = unavailable();
  } else {
    // Unknown failures: logged with the request id for the operator; the client learns nothing.
    console.error(JSON.stringify({ level: "error", event: "unhandled_error", request_id: c.get("requestId"), error: describeError(err) }));
    apiError = detailError(500, MSG.serverError, "error");
  }
  return c.json(envelope(c.req.path, apiError.body), apiError.status as 400, apiError.headers);
});

export default app;
export type AppType = typeof routes;
