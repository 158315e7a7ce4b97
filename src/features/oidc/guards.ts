import { createMiddleware } from "hono/factory";
import { detailError } from "../../kernel/errors";
import { clientIp, throttle } from "../../kernel/http/throttle";
import type { AppEnv } from "../../kernel/http/types";
import { MSG } from "../../kernel/messages";
import type { Limiter } from "../../kernel/names";
import { oidcSettings } from "./config";

const notFound = () => detailError(404, MSG.notFound, "not_found");

/** Without OIDC_PROVIDERS every route of provider sign-in answers 404, as if it did not exist. */
export const requireOidc = createMiddleware<AppEnv>(async (c, next) => {
  if (oidcSettings(c.env).providers.size === 0) throw notFound();
  await next();
});

/** A {provider} in the path that is not in OIDC_PROVIDERS: 404. */
export const requireProvider = createMiddleware<AppEnv>(async (c, next) => {
  if (!oidcSettings(c.env).providers.has(c.req.param("provider") ?? "")) throw notFound();
  await next();
});

/** Counted per client IP (its /64 for IPv6) before the body is looked at. */
export const perIp = (name: Limiter) =>
  createMiddleware<AppEnv>(async (c, next) => {
    await throttle(c, [[name, clientIp(c)]]);
    await next();
  });
