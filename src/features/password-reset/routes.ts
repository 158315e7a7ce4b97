import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { body, json, Msg, userErrors } from "../../kernel/http/openapi";
import { clientIp, throttle } from "../../kernel/http/throttle";
import type { AppEnv } from "../../kernel/http/types";
import { validationHook } from "../../kernel/http/validation";
import { assertPasswordsMatch } from "../passwords";
import { turnstileGuard, withTurnstileToken } from "../turnstile";
import { RESET_MSG } from "./messages";
import { pageRoutes } from "./page-routes";
import { ResetBody, ResetEmailBody, ResetParams } from "./schemas";
import { confirmReset, requestReset } from "./service";

/** The Django account app's two reset views, and the worker's own reset page. */
export const passwordResetRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    createRoute({
      method: "post",
      path: "/api/user/send-reset-password-email",
      tags: ["user"],
      summary: "Mail a password-reset link (same answer for unknown addresses)",
      middleware: [turnstileGuard("reset", "RESET_IP_LIMITER")] as const,
      request: body(withTurnstileToken(ResetEmailBody)),
      responses: { 200: json(Msg, "Accepted"), ...userErrors },
    }),
    async (c) => {
      const { email } = c.req.valid("json");
      const d = c.get("deps");
      await throttle(c, [
        ["RESET_EMAIL_LIMITER", d.log.emailRef(email)],
        ["RESET_IP_LIMITER", clientIp(c)],
      ]);
      const base = d.config.resetUrl ?? d.ownPage("/reset-password");
      await requestReset(d, email, base);
      return c.json({ msg: RESET_MSG.sent }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/user/reset-password/{uid}/{token}",
      tags: ["user"],
      summary: "Set a new password with the link from the mail",
      request: { params: ResetParams, ...body(ResetBody) },
      responses: { 200: json(Msg, "Password set; every session is signed out"), ...userErrors },
    }),
    async (c) => {
      const { uid, token } = c.req.valid("param");
      const b = c.req.valid("json");
      assertPasswordsMatch(b.password, b.password2);
      await confirmReset(c.get("deps"), uid, token, b.password);
      return c.json({ msg: RESET_MSG.done }, 200);
    },
  )
  .route("/", pageRoutes);
