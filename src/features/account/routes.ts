import { consistency } from "../../kernel/http/context";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { authErrors, bearer, body, json, Msg, reauthError, UserError, userErrors } from "../../kernel/http/openapi";
import { clientIp, throttle } from "../../kernel/http/throttle";
import { throttleLogin } from "./throttle-login";
import { tokenViewRoutes } from "./token-routes";
import type { AppEnv } from "../../kernel/http/types";
import { validationHook } from "../../kernel/http/validation";
import { RegisteredUnverified } from "../email-address";
import { verifyLinkBase } from "../email-address";
import { MFA_MSG } from "../mfa";
import { MfaRequired } from "../mfa";
import { requireAccessToken, SESSION_MSG, TokenMsg } from "../sessions";
import { turnstileGuard, withTurnstileToken } from "../turnstile";
import { ACCOUNT_MSG } from "./messages";
import { ChangePasswordBody, LoginBody, Profile, RegisterBody } from "./schemas";
import { changePassword, login, profileOf, register } from "./service";

/** The Django account app's views: register, login, profile, change password. */
export const accountRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    createRoute({
      method: "post",
      path: "/api/user/register",
      tags: ["user"],
      summary: "Create an account and sign in",
      middleware: [consistency("replica"), turnstileGuard("register", "REGISTER_IP_LIMITER")] as const,
      request: body(withTurnstileToken(RegisterBody)),
      responses: {
        201: json(z.union([TokenMsg, RegisteredUnverified]), "Registered; a token pair for the new session (EMAIL_VERIFICATION=mandatory: none until verified)"),
        ...userErrors,
      },
    }),
    async (c) => {
      await throttle(c, [["REGISTER_IP_LIMITER", clientIp(c)]]);
      const d = c.get("deps");
      const token = await register(d, c.req.valid("json"));
      if (!token) return c.json({ msg: ACCOUNT_MSG.registered, verification_required: true as const }, 201);
      return c.json({ token, msg: ACCOUNT_MSG.registered }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/user/login",
      tags: ["user"],
      summary: "Sign in with e-mail and password",
      middleware: [consistency("replica"), turnstileGuard("login", "LOGIN_IP_LIMITER")] as const,
      request: body(withTurnstileToken(LoginBody)),
      responses: { 200: json(z.union([TokenMsg, MfaRequired]), "Signed in, or (MFA) an mfa_token for /api/user/mfa/verify/"), 401: json(UserError, "Email or Password is not Valid"), 403: json(UserError, "EMAIL_VERIFICATION=mandatory: the address is not verified (after a right password)"), ...userErrors },
    }),
    async (c) => {
      const { email, password } = c.req.valid("json");
      await throttleLogin(c, email);
      const result = await login(c.get("deps"), email, password);
      if (result.kind === "mfa") return c.json({ mfa_required: true as const, mfa_token: result.challenge.mfaToken, msg: MFA_MSG.required }, 200);
      return c.json({ token: result.pair, msg: SESSION_MSG.loggedIn }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/user/profile",
      tags: ["user"],
      summary: "The signed-in user",
      security: bearer,
      middleware: [consistency("revocation"), requireAccessToken] as const,
      responses: { 200: json(Profile, "The user"), ...authErrors },
    }),
    (c) => c.json(profileOf(c.get("auth").user), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/user/changepassword",
      tags: ["user"],
      summary: "Change the password (current password required)",
      security: bearer,
      middleware: [requireAccessToken] as const,
      request: body(ChangePasswordBody),
      responses: { 200: json(Msg, "Changed; every other session is signed out"), ...authErrors, ...userErrors, ...reauthError },
      description: "At most 5 wrong current passwords per account per 60 s, counted with every other endpoint that asks for it (429 after, the right password too); 5 wrong current passwords end the calling session.",
    }),
    async (c) => {
      const { user, claims } = c.get("auth");
      // Per account, wrong current passwords draw on the one budget (checkCurrentPassword).
      await throttle(c, [["PASSWORD_CHANGE_IP_LIMITER", clientIp(c)]]);
      await changePassword(c.get("deps"), user, claims.sid, c.req.valid("json"), claims.auth_time);
      return c.json({ msg: ACCOUNT_MSG.passwordChanged }, 200);
    },
  )
  // simplejwt's four views: /api/token/ is a login too.
  .route("/", tokenViewRoutes);
