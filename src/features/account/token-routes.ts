import { consistency } from "../../kernel/http/context";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { body, Empty, json, notVerifiedTokenError, tokenErrors } from "../../kernel/http/openapi";
import { clientIp, throttle } from "../../kernel/http/throttle";
import { throttleLogin } from "./throttle-login";
import type { AppEnv } from "../../kernel/http/types";
import { validationHook } from "../../kernel/http/validation";
import { MfaRequiredToken } from "../mfa";
import { blacklistRefreshToken, checkToken, refreshSession, RefreshBody, RefreshResult, TokenObtainBody, TokenPairJson, TokenVerifyBody } from "../sessions";
import { login } from "./service";

/** simplejwt's four views, same paths, bodies and answers. */
export const tokenViewRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    createRoute({
      method: "post",
      path: "/api/token",
      tags: ["token"],
      summary: "Obtain a token pair (simplejwt TokenObtainPairView)",
      middleware: [consistency("replica")] as const,
      request: body(TokenObtainBody),
      responses: { 200: json(z.union([TokenPairJson, MfaRequiredToken]), "A new session's pair, or (MFA) an mfa_token for /api/user/mfa/verify/"), ...tokenErrors, ...notVerifiedTokenError },
    }),
    async (c) => {
      const { email, password } = c.req.valid("json");
      const result = await login(c.get("deps"), email, password, throttleLogin(c, email));
      return c.json(result.kind === "mfa" ? { mfa_required: true as const, mfa_token: result.challenge.mfaToken } : result.pair, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/token/refresh",
      tags: ["token"],
      summary: "Exchange a refresh token (rotated: the old one is retired)",
      request: body(RefreshBody),
      responses: { 200: json(RefreshResult, "A new access token, and a new refresh token when rotation is on"), ...tokenErrors },
    }),
    async (c) => {
      const { refresh } = c.req.valid("json");
      await throttle(c, [["REFRESH_IP_LIMITER", clientIp(c)]]);
      return c.json(await refreshSession(c.get("deps"), refresh), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/token/verify",
      tags: ["token"],
      summary: "Check a token's signature and claims",
      middleware: [consistency("revocation")] as const,
      request: body(TokenVerifyBody),
      responses: { 200: json(Empty, "Valid"), ...tokenErrors },
    }),
    async (c) => {
      await checkToken(c.get("deps"), c.req.valid("json").token);
      return c.json({}, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/token/blacklist",
      tags: ["token"],
      summary: "Log out: the refresh token's session ends",
      request: body(RefreshBody),
      responses: { 200: json(Empty, "Done"), ...tokenErrors },
    }),
    async (c) => {
      await blacklistRefreshToken(c.get("deps"), c.req.valid("json").refresh);
      return c.json({}, 200);
    },
  );
