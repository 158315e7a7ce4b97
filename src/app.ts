import { OpenAPIHono } from "@hono/zod-openapi";
import { accountCapability } from "./features/account";
import { adminCapability } from "./features/admin";
import { auditCapability } from "./features/audit";
import { breachedPasswordsCapability } from "./features/breached-passwords";
import { mountDocs } from "./features/docs/routes";
import { emailAddressCapability } from "./features/email-address";
import { failureBudgetsCapability } from "./features/failure-budgets";
import { healthCapability } from "./features/health";
import { mailedLinksCapability } from "./features/mailed-links";
import { mfaCapability } from "./features/mfa";
import { passkeysCapability } from "./features/passkeys";
import { oidcCapability } from "./features/oidc";
import { passwordResetCapability } from "./features/password-reset";
import { passwordlessCapability } from "./features/passwordless";
import { passwordsCapability } from "./features/passwords";
import { sessionsCapability } from "./features/sessions";
import { signInCapability } from "./features/sign-in";
import { tokensCapability } from "./features/tokens";
import { turnstileCapability } from "./features/turnstile";
import { eventTypesOf, limitersOf, type Capability } from "./kernel/capability";
import { useConfigParts } from "./kernel/config";
import { detailError } from "./kernel/errors";
import { requestContext } from "./kernel/http/context";
import { jsonBody } from "./kernel/http/json-body";
import { allowedMethods } from "./kernel/http/methods";
import { renderJsonError } from "./kernel/http/render-error";
import type { AppEnv } from "./kernel/http/types";
import { validationHook } from "./kernel/http/validation";
import { MSG } from "./kernel/messages";

// One line per capability; the order is the order their routes are matched in.
const own = [
  accountCapability,
  passwordResetCapability,
  sessionsCapability,
  tokensCapability,
  healthCapability,
  mfaCapability,
  emailAddressCapability,
  adminCapability,
  passwordsCapability,
  mailedLinksCapability,
  failureBudgetsCapability,
  turnstileCapability,
  breachedPasswordsCapability,
  oidcCapability,
  signInCapability,
  passkeysCapability,
  passwordlessCapability,
] as const;
/** Every capability; the audit log takes the others' event types for its filter. */
export const capabilities = [...own, auditCapability(eventTypesOf(own))] as const satisfies readonly Capability[];

/** What the app assembled: wrangler.toml's [[ratelimits]] blocks are checked against `limiters`. */
export const limiters = limitersOf(capabilities);
export const eventTypes = eventTypesOf(capabilities);
useConfigParts(capabilities.flatMap((c: Capability) => (c.config ? [c.config] : [])));

// strict: false serves every path with and without its trailing slash, as the contract asks.
const app = new OpenAPIHono<AppEnv>({ strict: false, defaultHook: validationHook });

app.use(
  "*",
  requestContext({
    limiters,
    sinks: capabilities.flatMap((c: Capability) => (c.onSecurityEvent ? [c.onSecurityEvent] : [])),
    // Invalid settings of any capability are a configuration error (503) on every route.
    settings: capabilities.flatMap((c: Capability) => (c.settings ? [c.settings] : [])),
  }),
);
// Routes a browser posts a form to (a provider's form_post callback) come before the JSON-only rule.
for (const cap of capabilities as readonly Capability[]) if (cap.formRoutes) app.route("/", cap.formRoutes);
app.use("/api/*", jsonBody());
for (const cap of capabilities as readonly Capability[]) if (cap.routes) app.route("/", cap.routes);

app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", { type: "http", scheme: "bearer", bearerFormat: "JWT" });
mountDocs(app);

// Built once and rendered, not thrown: a 404 pays no stack capture and no trip through onError.
const NOT_FOUND = detailError(404, MSG.notFound, "not_found");

app.notFound((c) => {
  const allow = allowedMethods(app.routes, c.req.path);
  if (allow.length === 0) return renderJsonError(c, NOT_FOUND);
  if (c.req.method === "OPTIONS") return c.body(null, 204, { Allow: [...allow, "OPTIONS"].join(", ") });
  throw detailError(405, MSG.methodNotAllowed(c.req.method), "method_not_allowed", { Allow: [...allow, "OPTIONS"].join(", ") });
});

app.onError((err, c) => renderJsonError(c, err));

export default app;

type RoutesOf<C> = C extends { routes: OpenAPIHono<AppEnv, infer S, "/"> } ? S : never;
/** The typed client's view (hono/client): every capability's routes. */
export type AppType = OpenAPIHono<AppEnv, RoutesOf<(typeof capabilities)[number]>, "/">;
