import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { detailError, fieldError } from "../../kernel/errors";
import { authErrors, bearer, body, json, UserError, userErrors } from "../../kernel/http/openapi";
import type { AppEnv } from "../../kernel/http/types";
import { validationHook } from "../../kernel/http/validation";
import { MSG } from "../../kernel/messages";
import { requireAdmin } from "../admin";
import { requireAccessToken } from "../sessions";
import { keepsAWayIn, lastWayIn, requireRecentSignIn } from "../sign-in";
import { findUserById } from "../users";
import { identityJson, linkWithAppCode, signInWithAppCode } from "./accounts";
import { oidcSettings } from "./config";
import { perIp, requireOidc, requireProvider } from "./guards";
import { AdminIdentityParams, AuthorizeUrl, CodeBody, IdentityJson, IdentityList, IdParams, LinkBody, LoginAnswer, ProviderParams, StartBody } from "./schemas";
import { startAttempt } from "./service";
import { findUserIdentity, listIdentities, unlinkIdentity } from "./store";

const notFound = () => detailError(404, MSG.notFound, "not_found");
const ID = /^[1-9]\d{0,15}$/;
const idOf = (raw: string) => (ID.test(raw) ? Number(raw) : null);

const startErrors = {
  ...userErrors,
  404: json(UserError, "Provider sign-in is off, or no such provider"),
  503: json(UserError, "Identity provider unavailable (discovery failed), or the configuration is invalid"),
};
const off = { 404: json(UserError, "Provider sign-in is off (OIDC_PROVIDERS unset), or no such identity") };
const adminErrors = { ...authErrors, 403: json(UserError, "The caller is not an admin"), 404: json(UserError, "No such user or identity, or provider sign-in is off") };

/** Sign-in with an identity provider (CONTRACT "Social and OIDC sign-in"); the callback is in callback.tsx. */
export const oidcRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    createRoute({
      method: "post",
      path: "/api/auth/oidc/{provider}/start",
      tags: ["oidc"],
      summary: "Begin a sign-in (or sign-up) with a provider: answers the provider's authorization URL",
      description:
        "The front end keeps its own PKCE verifier and sends its S256 challenge; the browser then goes to authorize_url. The provider sends it back to the worker's callback, which redirects to redirect_uri with ?code= (exchanged at /api/auth/oidc/token/) or ?error=. tc: true is needed for a sign-up.",
      middleware: [requireOidc, requireProvider, perIp("OIDC_START_IP_LIMITER")] as const,
      request: { params: ProviderParams, ...body(StartBody) },
      responses: { 200: json(AuthorizeUrl, "Where to send the browser"), ...startErrors },
    }),
    async (c) => {
      const settings = oidcSettings(c.env);
      const input = c.req.valid("json");
      const provider = settings.providers.get(c.req.valid("param").provider)!;
      const { authorizeUrl } = await startAttempt(c.get("deps").db, settings, provider, { redirectUri: input.redirect_uri, codeChallenge: input.code_challenge, tc: input.tc });
      return c.json({ authorize_url: authorizeUrl }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/auth/oidc/token",
      tags: ["oidc"],
      summary: "Exchange the callback's app code and the front end's verifier for the login answer",
      description:
        'The login answer of /api/user/login/ (amr ["fed"]), or the mfa_token step for a user with MFA. 400 {"non_field_errors": ["Code is not Valid or Expired"]} for an unknown, expired or spent code, a link code, or a wrong verifier; any use spends the code.',
      middleware: [requireOidc, perIp("OIDC_TOKEN_IP_LIMITER")] as const,
      request: body(CodeBody),
      responses: { 200: json(LoginAnswer, "Signed in, or the second step"), ...userErrors, ...off },
    }),
    async (c) => {
      const { code, code_verifier } = c.req.valid("json");
      return c.json(await signInWithAppCode(c.get("deps"), code, code_verifier), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/user/identities/link",
      tags: ["oidc"],
      summary: "Begin linking a provider identity to the signed-in account",
      description:
        "Needs a session signed into within REAUTH_MAX_AGE, or current_password (403 reauthentication_required otherwise). The link completes at POST /api/user/identities/ with the callback's code, by this same user.",
      security: bearer,
      middleware: [requireOidc, requireAccessToken, perIp("OIDC_LINK_IP_LIMITER")] as const,
      request: body(LinkBody),
      responses: { 200: json(AuthorizeUrl, "Where to send the browser"), ...authErrors, ...startErrors, 403: json(UserError, "Sign in again (or send current_password)") },
    }),
    async (c) => {
      const d = c.get("deps");
      const auth = c.get("auth");
      const input = c.req.valid("json");
      await requireRecentSignIn(d, auth, input.current_password);
      const settings = oidcSettings(c.env);
      const provider = settings.providers.get(input.provider);
      if (!provider) throw fieldError("provider", MSG.invalidChoice(input.provider));
      const { authorizeUrl } = await startAttempt(d.db, settings, provider, {
        redirectUri: input.redirect_uri,
        codeChallenge: input.code_challenge,
        linkUserId: auth.user.id,
        credentialsVersion: auth.user.credentialsVersion,
      });
      return c.json({ authorize_url: authorizeUrl }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/user/identities",
      tags: ["oidc"],
      summary: "Finish a link: the callback's code and the front end's verifier",
      description: "Only the user who started the link, before any credentials change since. 400 as /api/auth/oidc/token/ for any other code. Sends the account a security notice.",
      security: bearer,
      middleware: [requireOidc, requireAccessToken, perIp("OIDC_TOKEN_IP_LIMITER")] as const,
      request: body(CodeBody),
      responses: { 201: json(IdentityJson, "Linked"), ...authErrors, ...userErrors, ...off },
    }),
    async (c) => {
      const { user, claims } = c.get("auth");
      const { code, code_verifier } = c.req.valid("json");
      return c.json(await linkWithAppCode(c.get("deps"), user, claims.sid, code, code_verifier), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/user/identities",
      tags: ["oidc"],
      summary: "The signed-in user's linked identities",
      security: bearer,
      middleware: [requireOidc, requireAccessToken] as const,
      responses: { 200: json(IdentityList, "The identities"), ...authErrors, ...off },
    }),
    async (c) => c.json({ results: (await listIdentities(c.get("deps").db, c.get("auth").user.id)).map(identityJson) }, 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/api/user/identities/{id}",
      tags: ["oidc"],
      summary: "Unlink one of the signed-in user's identities",
      description: 'Refused with 400 {"non_field_errors": ["You cannot remove your last way to sign in."]} when it is the last way in. Sessions stay.',
      security: bearer,
      middleware: [requireOidc, requireAccessToken] as const,
      request: { params: IdParams },
      responses: { 204: { description: "Unlinked" }, ...authErrors, 400: json(UserError, "The last way to sign in"), ...off },
    }),
    async (c) => {
      const d = c.get("deps");
      const { user, claims } = c.get("auth");
      const id = idOf(c.req.valid("param").id);
      // The DELETE itself counts the ways left: no concurrent removal can take the other one.
      const removed = id === null ? undefined : await unlinkIdentity(d.db, user.id, id, await keepsAWayIn(d, user));
      if (!removed) {
        // Still there: the guard refused it, the last way in. Gone or never the user's: 404.
        if (id !== null && (await findUserIdentity(d.db, user.id, id))) throw lastWayIn();
        throw notFound();
      }
      d.securityEvent("identity.unlinked", { userId: user.id, sessionId: claims.sid, detail: { provider: removed.provider } });
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/admin/users/{id}/identities",
      tags: ["admin"],
      summary: "A user's linked identities",
      security: bearer,
      middleware: [requireOidc, requireAccessToken, requireAdmin] as const,
      request: { params: IdParams },
      responses: { 200: json(IdentityList, "The identities"), ...adminErrors },
    }),
    async (c) => {
      const d = c.get("deps");
      const userId = idOf(c.req.valid("param").id);
      if (userId === null || !(await findUserById(d.db, userId))) throw notFound();
      return c.json({ results: (await listIdentities(d.db, userId)).map(identityJson) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/api/admin/users/{id}/identities/{identityId}",
      tags: ["admin"],
      summary: "Remove one of a user's identities (the last-way rule does not bind an admin)",
      security: bearer,
      middleware: [requireOidc, requireAccessToken, requireAdmin] as const,
      request: { params: AdminIdentityParams },
      responses: { 204: { description: "Removed" }, ...adminErrors },
    }),
    async (c) => {
      const d = c.get("deps");
      const params = c.req.valid("param");
      const userId = idOf(params.id);
      const id = idOf(params.identityId);
      const removed = userId !== null && id !== null ? await unlinkIdentity(d.db, userId, id) : undefined;
      if (!removed) throw notFound();
      d.securityEvent("identity.unlinked", { userId, actorId: c.get("auth").user.id, detail: { provider: removed.provider } });
      return c.body(null, 204);
    },
  );
