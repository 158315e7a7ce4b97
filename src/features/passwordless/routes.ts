import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { detailError } from "../../kernel/errors";
import { body, json, UserError, userErrors } from "../../kernel/http/openapi";
import { clientIp, throttle } from "../../kernel/http/throttle";
import type { AppEnv } from "../../kernel/http/types";
import { validationHook } from "../../kernel/http/validation";
import { MSG } from "../../kernel/messages";
import { MfaRequired } from "../mfa";
import { TokenMsg } from "../sessions";
import { loginAnswerBody } from "../sign-in";
import { turnstileGuard, withTurnstileToken } from "../turnstile";
import { PASSWORDLESS_MSG } from "./messages";
import { Started, StartBody, VerifyBody } from "./schemas";
import { startChallenge, verifyChallenge } from "./service";

// Off: the routes do not exist (404), before Turnstile or the body are looked at.
const whenOn = createMiddleware<AppEnv>(async (c, next) => {
  if (c.get("deps").config.PASSWORDLESS === "off") throw detailError(404, MSG.notFound, "not_found");
  await next();
});

/** Sign-in by a code or link mailed to the address (CONTRACT "v3, part 2", Passwordless e-mail). */
export const passwordlessRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    createRoute({
      method: "post",
      path: "/api/auth/email/start",
      tags: ["auth"],
      summary: "Mail a sign-in code and link (the same answer for every well-formed address)",
      description:
        "A mail goes to an active account, and under PASSWORDLESS=signup also to an address without one. A newer challenge kills the older ones of the address; at most 5 per address per 15 minutes. 404 while PASSWORDLESS=off.",
      middleware: [whenOn, turnstileGuard("email-start", "PASSWORDLESS_START_IP_LIMITER")] as const,
      request: body(withTurnstileToken(StartBody)),
      responses: { 200: json(Started, "A challenge (mailed or not: the answer does not tell)"), 404: json(UserError, "PASSWORDLESS=off"), ...userErrors },
    }),
    async (c) => {
      const b = c.req.valid("json");
      const d = c.get("deps");
      await throttle(c, [["PASSWORDLESS_START_IP_LIMITER", clientIp(c)]]);
      const mode = d.config.PASSWORDLESS as "login" | "signup";
      const id = await startChallenge(d, mode, d.config.PASSWORDLESS_URL!.replace(/\/+$/, ""), b);
      return c.json({ challenge_id: id, msg: PASSWORDLESS_MSG.started }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/auth/email/verify",
      tags: ["auth"],
      summary: "Answer a challenge with the mailed code or the link's token: the login answer",
      description:
        "amr [\"email\"]. A wrong answer: 400 under code (or token); the 5th kills the challenge; after 10 wrong answers per address in 15 minutes, 429 until the window passes. Under signup, creates the account of an unknown address (tc required at start).",
      middleware: [whenOn] as const,
      request: body(VerifyBody),
      responses: { 200: json(z.union([TokenMsg, MfaRequired]), "Signed in, or (MFA) an mfa_token for /api/user/mfa/verify/"), 404: json(UserError, "PASSWORDLESS=off"), ...userErrors },
    }),
    async (c) => {
      const b = c.req.valid("json");
      const d = c.get("deps");
      await throttle(c, [["PASSWORDLESS_VERIFY_IP_LIMITER", clientIp(c)]]);
      const mode = d.config.PASSWORDLESS as "login" | "signup";
      // A code wins when both are sent: the page sends one of them.
      const answer = b.code !== undefined ? { code: b.code } : { token: b.token };
      const result = await verifyChallenge(d, mode, b.challenge_id, answer);
      return c.json(loginAnswerBody(result), 200);
    },
  );
