import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { fieldError } from "../../kernel/errors";
import { authErrors, bearer, body, json, Msg, reauthError, UserError, userErrors } from "../../kernel/http/openapi";
import { clientIp, throttle } from "../../kernel/http/throttle";
import type { AppEnv } from "../../kernel/http/types";
import { validationHook } from "../../kernel/http/validation";
import { MSG } from "../../kernel/messages";
import { SESSION_MSG, TokenMsg } from "../sessions";
import { requireAccessToken } from "../sessions";
import { MFA_MSG } from "./messages";
import { ConfirmBody, MfaStatus, PasswordAndCodeBody, MfaVerifyBody, RecoveryCodesResult, SetupBody, SetupResult } from "./schemas";
import { assertMfaConfigured } from "./secrets";
import { confirmTotp, disableMfa, finishMfaLogin, mfaStatus, openChallenge, regenerateRecoveryCodes, setupTotp } from "./service";

/** Without MFA_ENCRYPTION_KEY every MFA endpoint answers 503, before anything else is looked at. */
const requireMfaKey = createMiddleware<AppEnv>(async (c, next) => {
  assertMfaConfigured(c.get("deps").config);
  await next();
});

/**
 * Code guessing on the bearer routes: per user (from any address). Verify is bounded per
 * client IP here and per account by SECOND_FACTOR_BUDGET (guessing.ts). The key is the
 * account (id and creation time: ids are never reused, and test files that each start at
 * id 1 do not share a bucket).
 */
const throttleUser = (c: Parameters<typeof clientIp>[0], user: { id: number; createdAt: Date }) =>
  throttle(c, [["MFA_VERIFY_USER_LIMITER", `${user.id}:${user.createdAt.getTime()}`]]);

const mfaErrors = { ...authErrors, ...userErrors, 401: json(UserError, "Missing, invalid, expired or revoked access token") };

/** Two-factor authentication (TOTP, RFC 6238) with recovery codes. */
export const mfaRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    createRoute({
      method: "get",
      path: "/api/user/mfa",
      tags: ["mfa"],
      summary: "Two-factor status of the signed-in user",
      security: bearer,
      middleware: [requireMfaKey, requireAccessToken] as const,
      responses: { 200: json(MfaStatus, "Whether TOTP is on, and how many recovery codes are left"), ...authErrors },
    }),
    async (c) => c.json(await mfaStatus(c.get("deps"), c.get("auth").user), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/user/mfa/totp/setup",
      tags: ["mfa"],
      summary: "Start TOTP enrolment (current password required)",
      description:
        "Returns a new secret (base32), its otpauth:// URL and a QR code (SVG). Nothing is enabled until /api/user/mfa/totp/confirm/; a new setup replaces a pending one. 400 when MFA is already enabled.",
      security: bearer,
      middleware: [requireMfaKey, requireAccessToken] as const,
      request: body(SetupBody),
      responses: { 200: json(SetupResult, "The secret to add to an authenticator app"), ...mfaErrors, ...reauthError },
    }),
    async (c) => {
      const { user, claims } = c.get("auth");
      await throttleUser(c, user);
      return c.json(await setupTotp(c.get("deps"), user, c.req.valid("json").current_password, claims.auth_time), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/user/mfa/totp/confirm",
      tags: ["mfa"],
      summary: "Finish TOTP enrolment with a code from the app",
      description: 'Enables MFA, answers 10 recovery codes (shown once) and signs out every other session. 400 {"code": ["Invalid code"]} for a wrong code.',
      security: bearer,
      middleware: [requireMfaKey, requireAccessToken] as const,
      request: body(ConfirmBody),
      responses: { 200: json(RecoveryCodesResult, "Enabled"), ...mfaErrors },
    }),
    async (c) => {
      const { user, claims } = c.get("auth");
      await throttleUser(c, user);
      const codes = await confirmTotp(c.get("deps"), user, claims.sid, c.req.valid("json").code);
      return c.json({ msg: MFA_MSG.enabled, recovery_codes: codes }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/user/mfa/disable",
      tags: ["mfa"],
      summary: "Turn MFA off (current password and a TOTP or recovery code)",
      description: "Signs out every other session.",
      security: bearer,
      middleware: [requireMfaKey, requireAccessToken] as const,
      request: body(PasswordAndCodeBody),
      responses: { 200: json(Msg, "Disabled"), ...mfaErrors, ...reauthError },
    }),
    async (c) => {
      const { user, claims } = c.get("auth");
      await throttleUser(c, user);
      await disableMfa(c.get("deps"), user, claims.sid, c.req.valid("json"), claims.auth_time);
      return c.json({ msg: MFA_MSG.disabled }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/user/mfa/recovery-codes",
      tags: ["mfa"],
      summary: "A new set of 10 recovery codes (current password and a TOTP or recovery code)",
      description: "Every code of the old set stops working.",
      security: bearer,
      middleware: [requireMfaKey, requireAccessToken] as const,
      request: body(PasswordAndCodeBody),
      responses: { 200: json(RecoveryCodesResult, "The new codes"), ...mfaErrors, ...reauthError },
    }),
    async (c) => {
      const { user, claims } = c.get("auth");
      await throttleUser(c, user);
      const codes = await regenerateRecoveryCodes(c.get("deps"), user, c.req.valid("json"), claims.auth_time);
      return c.json({ msg: MFA_MSG.recoveryCodesRenewed, recovery_codes: codes }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/user/mfa/verify",
      tags: ["mfa"],
      summary: "Second step of a login: the mfa_token and a TOTP code or a recovery code",
      description:
        'Answers the token pair; its access tokens carry the amr of the session (the first step with the factor appended (["pwd","otp"], ["pwd","recovery_code"], ["fed","otp"], ...)) and auth_time. 400 {"code": ["Invalid code"]} (or under recovery_code) for a wrong, replayed or used code; 401 token_not_valid for an mfa_token that is expired, spent, or dead after 5 wrong codes; 429 for 15 minutes once an account has had 10 wrong codes, the right code too.',
      middleware: [requireMfaKey] as const,
      request: body(MfaVerifyBody),
      responses: {
        200: json(TokenMsg, "Signed in"),
        401: json(UserError, "mfa_token expired, used or dead: Token is invalid or expired"),
        ...userErrors,
      },
    }),
    async (c) => {
      const { mfa_token, code, recovery_code } = c.req.valid("json");
      if (code === undefined && recovery_code === undefined) throw fieldError("code", MSG.required);
      await throttle(c, [["MFA_VERIFY_IP_LIMITER", clientIp(c)]]);
      const d = c.get("deps");
      const challenge = await openChallenge(d, mfa_token);
      const token = await finishMfaLogin(d, challenge, code !== undefined ? { code } : { recovery_code });
      return c.json({ token, msg: SESSION_MSG.loggedIn }, 200);
    },
  );
