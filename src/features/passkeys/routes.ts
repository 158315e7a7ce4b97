import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { authErrors, bearer, body, json, UserError, userErrors } from "../../kernel/http/openapi";
import { clientIp, throttle } from "../../kernel/http/throttle";
import type { AppEnv } from "../../kernel/http/types";
import { validationHook } from "../../kernel/http/validation";
import { requireAdmin } from "../admin";
import { requireAccessToken, TokenMsg } from "../sessions";
import { getPasskeyConfig, type PasskeyConfig } from "./config";
import { adminList, adminRemove, list, parseId, register, registrationOptions, remove, rename, secondStepOptions, signInOptions, signInWithPasskey } from "./manage";
import { notFound } from "./messages";
import {
  AdminPasskeyParams,
  CreationOptions,
  PasskeyIdParams,
  PasskeyJson,
  PasskeyList,
  RegisterBody,
  RegisterOptionsBody,
  RenameBody,
  RequestOptions,
  SecondStepOptionsBody,
  SignInBody,
} from "./schemas";

declare module "hono" {
  interface ContextVariableMap {
    /** Set by passkeysOn. */
    passkeys: PasskeyConfig;
  }
}

/** Without WEBAUTHN_RP_ID the capability is off: 404 before anything else is looked at. */
const passkeysOn = createMiddleware<AppEnv>(async (c, next) => {
  const config = getPasskeyConfig(c.env);
  if (!config) throw notFound();
  c.set("passkeys", config);
  await next();
});

const notFoundError = { 404: json(UserError, "Passkeys are off (WEBAUTHN_RP_ID unset), or no such passkey of the caller's") };
const refused = "Passkey could not be verified. (one body for any failure)";

/** Passkeys (WebAuthn Level 3): the signed-in user's, the sign-in without a password, the second step's options, the admin's view. */
export const passkeyRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    createRoute({
      method: "post",
      path: "/api/user/passkeys/register/options",
      tags: ["passkeys"],
      summary: "Creation options for a new passkey (recent sign-in or current_password)",
      description:
        '403 reauthentication_required unless the session was signed into in the last REAUTH_MAX_AGE seconds or the body has the right current_password (400 under current_password when wrong). The options go to PublicKeyCredential.parseCreationOptionsFromJSON().',
      security: bearer,
      middleware: [passkeysOn, requireAccessToken] as const,
      request: body(RegisterOptionsBody),
      responses: { 200: json(CreationOptions, "PublicKeyCredentialCreationOptionsJSON"), ...notFoundError, 403: json(UserError, "Sign in again"), ...userErrors, ...authErrors },
    }),
    async (c) => {
      const options = await registrationOptions(c.get("deps"), c.get("passkeys"), c.get("auth"), c.req.valid("json").current_password);
      return c.json({ options: { ...options } }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/user/passkeys/register",
      tags: ["passkeys"],
      summary: "Register the passkey the authenticator made (credential.toJSON())",
      description: `201 the passkey; 400 {"credential": ["${refused}"]}. The account's address gets a security notice.`,
      security: bearer,
      middleware: [passkeysOn, requireAccessToken] as const,
      request: body(RegisterBody),
      responses: { 201: json(PasskeyJson, "The new passkey"), ...notFoundError, ...userErrors, ...authErrors },
    }),
    async (c) => {
      const { credential, name } = c.req.valid("json");
      return c.json(await register(c.get("deps"), c.get("passkeys"), c.get("auth"), credential, name), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/user/passkeys",
      tags: ["passkeys"],
      summary: "The signed-in user's passkeys",
      security: bearer,
      middleware: [passkeysOn, requireAccessToken] as const,
      responses: { 200: json(PasskeyList, "Their passkeys, oldest first"), ...notFoundError, ...authErrors },
    }),
    async (c) => c.json({ results: await list(c.get("deps"), c.get("auth").user.id) }, 200),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/api/user/passkeys/{id}",
      tags: ["passkeys"],
      summary: "Rename one of the user's passkeys",
      security: bearer,
      middleware: [passkeysOn, requireAccessToken] as const,
      request: { params: PasskeyIdParams, ...body(RenameBody) },
      responses: { 200: json(PasskeyJson, "The renamed passkey"), ...notFoundError, ...userErrors, ...authErrors },
    }),
    async (c) => c.json(await rename(c.get("deps"), c.get("auth").user.id, parseId(c.req.valid("param").id), c.req.valid("json").name), 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/api/user/passkeys/{id}",
      tags: ["passkeys"],
      summary: "Remove one of the user's passkeys (never their last way to sign in)",
      description: '400 {"non_field_errors": ["You cannot remove your last way to sign in."]} when it would leave none.',
      security: bearer,
      middleware: [passkeysOn, requireAccessToken] as const,
      request: { params: PasskeyIdParams },
      responses: { 204: { description: "Removed" }, ...notFoundError, 400: json(UserError, "The last way to sign in"), ...authErrors },
    }),
    async (c) => {
      await remove(c.get("deps"), c.get("auth"), parseId(c.req.valid("param").id));
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/auth/passkey/options",
      tags: ["passkeys"],
      summary: "Request options for a discoverable passkey sign-in (no auth, empty body)",
      description: "rpId, an empty allowCredentials, userVerification required; for PublicKeyCredential.parseRequestOptionsFromJSON(). Rate limited per IP.",
      middleware: [passkeysOn] as const,
      responses: { 200: json(RequestOptions, "PublicKeyCredentialRequestOptionsJSON"), ...notFoundError, ...userErrors },
    }),
    async (c) => {
      await throttle(c, [["PASSKEY_OPTIONS_IP_LIMITER", clientIp(c)]]);
      return c.json({ options: { ...(await signInOptions(c.get("deps"), c.get("passkeys"))) } }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/auth/passkey/verify",
      tags: ["passkeys"],
      summary: "Sign in with a passkey (credential.toJSON() of the assertion)",
      description:
        'The login answer, amr ["hwk"]: complete, never an MFA step. Any failure (unknown credential, spent or expired ceremony, origin, flags, signature, counter, inactive user): 401 {"non_field_errors": ["Passkey sign-in failed"]}.',
      middleware: [passkeysOn] as const,
      request: body(SignInBody),
      responses: { 200: json(TokenMsg, "Signed in"), 401: json(UserError, "Passkey sign-in failed"), ...notFoundError, ...userErrors },
    }),
    async (c) => {
      await throttle(c, [["PASSKEY_VERIFY_IP_LIMITER", clientIp(c)]]);
      const answer = await signInWithPasskey(c.get("deps"), c.get("passkeys"), c.req.valid("json").credential);
      return c.json(answer as { token: { refresh: string; access: string }; msg: string }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/user/mfa/passkey/options",
      tags: ["passkeys", "mfa"],
      summary: "Request options for a passkey as the second step of a login",
      description:
        'allowCredentials: the mfa_token\'s user\'s passkeys, userVerification preferred. The answer goes to POST /api/user/mfa/verify/ as {mfa_token, credential}; a refusal there is 400 {"credential": ["Passkey could not be verified."]} and counts as a wrong code.',
      middleware: [passkeysOn] as const,
      request: body(SecondStepOptionsBody),
      responses: { 200: json(RequestOptions, "PublicKeyCredentialRequestOptionsJSON"), 401: json(UserError, "mfa_token expired, used or dead: Token is invalid or expired"), ...notFoundError, ...userErrors },
    }),
    async (c) => {
      await throttle(c, [["PASSKEY_OPTIONS_IP_LIMITER", clientIp(c)]]);
      return c.json({ options: { ...(await secondStepOptions(c.get("deps"), c.get("passkeys"), String(c.req.valid("json").mfa_token))) } }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/admin/users/{id}/passkeys",
      tags: ["admin", "passkeys"],
      summary: "A user's passkeys",
      security: bearer,
      middleware: [passkeysOn, requireAccessToken, requireAdmin] as const,
      request: { params: PasskeyIdParams },
      responses: { 200: json(PasskeyList, "Their passkeys"), ...notFoundError, 403: json(UserError, "The caller is not an admin"), ...authErrors },
    }),
    async (c) => c.json({ results: await adminList(c.get("deps"), parseId(c.req.valid("param").id)) }, 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/api/admin/users/{id}/passkeys/{passkeyId}",
      tags: ["admin", "passkeys"],
      summary: "Remove one of a user's passkeys (the last-way rule does not bind an admin)",
      security: bearer,
      middleware: [passkeysOn, requireAccessToken, requireAdmin] as const,
      request: { params: AdminPasskeyParams },
      responses: { 204: { description: "Removed" }, ...notFoundError, 403: json(UserError, "The caller is not an admin"), ...authErrors },
    }),
    async (c) => {
      const { id, passkeyId } = c.req.valid("param");
      await adminRemove(c.get("deps"), c.get("auth"), parseId(id), parseId(passkeyId));
      return c.body(null, 204);
    },
  );
