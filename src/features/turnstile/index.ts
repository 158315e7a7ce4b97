/**
 * Turnstile on the open doors (CONTRACT "v3, part 2", Turnstile; docs/turnstile.md). A route
 * is guarded by two additions to its declaration:
 *   middleware: [turnstileGuard("email-start", "<ITS_PER_IP_LIMITER>")],
 *   request: body(withTurnstileToken(ItsBody)),
 * and needs no change in its handler.
 */
export { turnstileGuard } from "./guard";
export { withTurnstileToken } from "./schemas";
export { guards } from "./config";
export { TURNSTILE_MSG } from "./messages";

import type { Capability } from "../../kernel/capability";
import { turnstileFields } from "./config";

export const turnstileCapability = { name: "turnstile", config: { shape: turnstileFields } } satisfies Capability;
