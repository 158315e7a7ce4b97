import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { authErrors, bearer, body, json, Msg, reauthError, userErrors } from "../../kernel/http/openapi";
import { clientIp, throttle } from "../../kernel/http/throttle";
import type { AppEnv } from "../../kernel/http/types";
import { validationHook } from "../../kernel/http/validation";
import { requireAccessToken } from "../sessions";
import { turnstileGuard, withTurnstileToken } from "../turnstile";
import { EMAIL_MSG } from "./messages";
import { emailPageRoutes } from "./page-routes";
import { ChangeEmailBody, LinkParams, VerificationEmailBody } from "./schemas";
import { changeLinkBase, confirmEmailChange, requestEmailChange, requestVerification, verifyEmail, verifyLinkBase } from "./service";

/** E-mail verification and e-mail change (v2), and their pages. */
export const emailAddressRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    createRoute({
      method: "post",
      path: "/api/user/send-verification-email",
      tags: ["user"],
      summary: "Mail a new verification link (same answer for unknown or verified addresses)",
      description: "A mail goes only to a registered, active, unverified address; a newer link makes older ones invalid.",
      middleware: [turnstileGuard("verification", "VERIFY_IP_LIMITER")] as const,
      request: body(withTurnstileToken(VerificationEmailBody)),
      responses: { 200: json(Msg, "Accepted"), ...userErrors },
    }),
    async (c) => {
      const { email } = c.req.valid("json");
      const d = c.get("deps");
      await throttle(c, [
        ["VERIFY_EMAIL_LIMITER", d.log.emailRef(email)],
        ["VERIFY_IP_LIMITER", clientIp(c)],
      ]);
      await requestVerification(d, email, verifyLinkBase(d));
      return c.json({ msg: EMAIL_MSG.verificationSent }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/user/verify-email/{uid}/{token}",
      tags: ["user"],
      summary: "Verify the address with the link from the mail (empty body)",
      request: { params: LinkParams },
      responses: { 200: json(Msg, "Verified"), ...userErrors },
    }),
    async (c) => {
      const { uid, token } = c.req.valid("param");
      await verifyEmail(c.get("deps"), uid, token);
      return c.json({ msg: EMAIL_MSG.verified }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/user/change-email",
      tags: ["user"],
      summary: "Ask to change the address: the new address gets a confirmation link, the old one a notice",
      description:
        "Always the same 200 once the password is right: a new address that already has an account gets a notice instead of a link. At most 5 requests per user and per new address per 60 s.",
      security: bearer,
      middleware: [requireAccessToken] as const,
      request: body(ChangeEmailBody),
      responses: { 200: json(Msg, "Accepted"), ...authErrors, ...userErrors, ...reauthError },
    }),
    async (c) => {
      const { user } = c.get("auth");
      const d = c.get("deps");
      const b = c.req.valid("json");
      // Per user: a stolen access token must not be an unlimited oracle for the password.
      await throttle(c, [
        ["EMAIL_CHANGE_USER_LIMITER", String(user.id)],
        ["EMAIL_CHANGE_ADDRESS_LIMITER", d.log.emailRef(b.new_email)],
        ["EMAIL_CHANGE_IP_LIMITER", clientIp(c)],
      ]);
      await requestEmailChange(d, user, b.new_email, b.current_password, changeLinkBase(d), c.get("auth").claims.auth_time);
      return c.json({ msg: EMAIL_MSG.changeSent }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/user/confirm-email-change/{uid}/{token}",
      tags: ["user"],
      summary: "Confirm the new address with the link from the mail (empty body)",
      request: { params: LinkParams },
      responses: { 200: json(Msg, "Changed; the new address counts as verified"), ...userErrors },
    }),
    async (c) => {
      const { uid, token } = c.req.valid("param");
      await confirmEmailChange(c.get("deps"), uid, token);
      return c.json({ msg: EMAIL_MSG.changed }, 200);
    },
  )
  .route("/", emailPageRoutes);
