/** Turnstile on the open doors (CONTRACT "v3, part 2", Turnstile); docs/turnstile.md. */
export { turnstileGuard } from "./guard";
export { withTurnstileToken } from "./schemas";
export { TURNSTILE_ROUTES, turnstileConfig, type TurnstileConfig, type TurnstileRoute } from "./config";
export { verifyTurnstile } from "./service";
export { TURNSTILE_MSG } from "./messages";
