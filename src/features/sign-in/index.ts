import { z } from "zod";
import type { Capability } from "../../kernel/capability";
import { noticeOnEvent } from "./notices";

const config = {
  REAUTH_MAX_AGE: z.coerce.number().int().min(0).default(300).describe("Seconds after signing in (not refreshing) during which a session may add a way to sign in (link an identity, register a passkey) without `current_password`; also what replaces `current_password` for accounts without a password."),
};
declare module "../../kernel/config" {
  interface Config extends z.infer<z.ZodObject<typeof config>> {}
}

/**
 * The rules every way to sign in shares (CONTRACT v3 part 2, "Common rules"): the login
 * answer, amr, recent sign-in, the last way in, accounts without a password, notices (the
 * notices of MFA disabled and password changed come from their events, as their capabilities
 * sit below this one). No routes of its own: the ways in (oidc, passkeys, passwordless) build on it.
 */
export const signInCapability = { name: "sign-in", config: { shape: config }, onSecurityEvent: noticeOnEvent } satisfies Capability;

// What other capabilities use (they import nothing else from this folder).
export { signIn, loginAnswerBody } from "./service";
export type { SignInMethod, SignInResult } from "./service";
export { requireRecentSignIn } from "./recent";
export { hasPassword, keepsAWayIn, registerWayIn } from "./ways";
export { lastWayIn } from "./messages";
export { createAccountWithoutPassword } from "./accounts";
export type { NewAccount } from "./store";
export { notifySecurityChange } from "./notices";
