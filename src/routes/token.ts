import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { login } from "../auth/accounts";
import { DomainError } from "../auth/errors";
import { blacklistRefreshToken, checkToken, refreshSession } from "../auth/sessions";
import { toApiError } from "../http/domain-errors";
import { body, Empty, json, RefreshBody, RefreshResult, TokenObtainBody, TokenPair, tokenErrors, VerifyBody } from "../http/schemas";
import type { AppEnv } from "../http/types";
import { clientIp, throttle, throttleLogin } from "../http/throttle";
import { validationHook } from "../http/validation";

/** Runs a module call; its refusals become simplejwt's bare errors. */
async function call<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof DomainError) throw toApiError(err, "token_view");
    throw err;
  }
}

/** simplejwt's four views, same paths, bodies and answers. */
export const tokenRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    createRoute({
      method: "post",
      path: "/api/token",
      tags: ["token"],
      summary: "Obtain a token pair (simplejwt TokenObtainPairView)",
      request: body(TokenObtainBody),
      responses: { 200: json(TokenPair, "A new session's pair"), ...tokenErrors },
    }),
    async (c) => {
      const { email, password } = c.req.valid("json");
      await throttleLogin(c, email);
      return c.json(await call(login(c.get("deps"), email, password)), 200);
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
      return c.json(await call(refreshSession(c.get("deps"), refresh)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/token/verify",
      tags: ["token"],
      summary: "Check a token's signature and claims",
      request: body(VerifyBody),
      responses: { 200: json(Empty, "Valid"), ...tokenErrors },
    }),
    async (c) => {
      await call(checkToken(c.get("deps"), c.req.valid("json").token));
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
      await call(blacklistRefreshToken(c.get("deps"), c.req.valid("json").refresh));
      return c.json({}, 200);
    },
  );
