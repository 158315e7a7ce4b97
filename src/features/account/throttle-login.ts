import type { Context } from "hono";
import { clientIp, throttle } from "../../kernel/http/throttle";
import type { AppEnv } from "../../kernel/http/types";

/**
 * Password spraying (per IP), guessing one account from one address (per IP and address),
 * and from many addresses (per address alone); the same whether the address exists.
 */
export async function throttleLogin(c: Context<AppEnv>, email: string) {
  const ip = clientIp(c);
  const account = c.get("deps").log.emailRef(email);
  await throttle(c, [
    ["LOGIN_IP_LIMITER", ip],
    ["LOGIN_ACCOUNT_LIMITER", `${ip}:${account}`],
    ["LOGIN_USER_LIMITER", account],
  ]);
}
