import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { readBoundedBody } from "../../kernel/http/json-body";
import type { AppEnv } from "../../kernel/http/types";
import { Page } from "../../kernel/pages/page";
import { renderPage } from "../../kernel/pages/render";
import { finishCallback } from "./accounts";
import { OIDC_MSG } from "./messages";
import { requireOidc, requireProvider } from "./guards";

/**
 * The provider's callback, which a browser reaches (not the front end's fetch): a 303 to the
 * front end with a one-time code or an error, or an HTML page when the state is no good. It
 * takes the provider's form_post too, so app.ts mounts it before the JSON-only rule. Nothing
 * here trusts a cookie: the state, kept in D1, is what ties the answer to its start.
 */
export const oidcCallbackRoutes = new OpenAPIHono<AppEnv>();

const FORM = /^application\/x-www-form-urlencoded$/i;

async function handle(c: Context<AppEnv>, params: URLSearchParams) {
  const outcome = await finishCallback(c.get("deps"), c.req.param("provider")!, params);
  if (outcome.kind === "invalid_state") {
    return renderPage(c, 400, <Page title={OIDC_MSG.invalidState} state="bad" />);
  }
  // The code is single use, bound to the front end's verifier and 60 s long; still, no cache keeps it and no Referer carries it on.
  return c.body(null, 303, { Location: outcome.location, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer" });
}

oidcCallbackRoutes.get("/api/auth/oidc/:provider/callback", requireOidc, requireProvider, (c) => handle(c, new URL(c.req.url).searchParams));
oidcCallbackRoutes.post("/api/auth/oidc/:provider/callback", requireOidc, requireProvider, async (c) => {
  const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim();
  const raw = FORM.test(type) ? await readBoundedBody(c.req.raw) : null;
  // Not a form, or over 64 KiB: no state to be read, so the same page as a spent one.
  return handle(c, raw ? new URLSearchParams(new TextDecoder().decode(raw)) : new URLSearchParams());
});

const Params = z.object({ provider: z.string().openapi({ param: { name: "provider", in: "path" }, example: "google" }) });
const redirect = {
  description: "To the attempt's redirect_uri with ?code=<app code> or ?error=<code> (access_denied, provider_error, provider_unavailable, invalid_id_token, account_disabled, email_not_verified, link_required, terms_required, identity_in_use); Cache-Control: no-store",
  headers: { Location: { schema: { type: "string" as const } } },
};
const responses = {
  303: redirect,
  400: { description: "Unknown, expired or spent state: an HTML page, no redirect", content: { "text/html": { schema: z.string() } } },
  404: { description: "Provider sign-in is off, or no such provider", content: { "application/json": { schema: z.object({ errors: z.object({ detail: z.string(), code: z.string() }) }) } } },
  503: { description: "Configuration or storage unavailable", content: { "application/json": { schema: z.object({ errors: z.object({ detail: z.string(), code: z.string().optional() }) }) } } },
};
oidcCallbackRoutes.openAPIRegistry.registerPath({
  method: "get",
  path: "/api/auth/oidc/{provider}/callback",
  tags: ["oidc"],
  summary: "The provider's redirect back (the worker's redirect URI to register at the provider)",
  request: { params: Params },
  responses,
});
oidcCallbackRoutes.openAPIRegistry.registerPath({
  method: "post",
  path: "/api/auth/oidc/{provider}/callback",
  tags: ["oidc"],
  summary: "The provider's form_post back (application/x-www-form-urlencoded; the JSON-only rule does not apply)",
  request: {
    params: Params,
    body: { required: true, content: { "application/x-www-form-urlencoded": { schema: z.object({ state: z.string(), code: z.string().optional(), error: z.string().optional(), iss: z.string().optional() }) } } },
  },
  responses,
});
