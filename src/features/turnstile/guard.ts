import { createMiddleware } from "hono/factory";
import { clientIp, throttle } from "../../kernel/http/throttle";
import type { Limiter } from "../../kernel/names";
import type { AppEnv } from "../../kernel/http/types";
import { turnstileConfig, type TurnstileRoute } from "./config";
import { verifyTurnstile } from "./service";

/**
 * A route's Turnstile check, for its `middleware` list: with the route named in
 * TURNSTILE_ROUTES (and TURNSTILE_SECRET set) it counts the route's per-IP limiter, then
 * checks `turnstile_token`, all before the body's validator looks at any other field. A
 * refused request goes no further, so it makes no account, sends no mail and counts against
 * no other limiter. The handler's own call to `throttle` with the same (limiter, IP) does not
 * count the request twice. Off: nothing happens here, and the handler throttles as it did.
 */
export const turnstileGuard = (route: TurnstileRoute, ipLimiter: Limiter) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const config = turnstileConfig(c.env);
    if (config?.routes.has(route)) {
      await throttle(c, [[ipLimiter, clientIp(c)]]);
      // kernel/http/json-body.ts has already parsed the body into an object (or answered 4xx).
      const body = await c.req.json<Record<string, unknown>>();
      const d = c.get("deps");
      await verifyTurnstile(config, body.turnstile_token, d.client.ip, d.log);
    }
    await next();
  });
