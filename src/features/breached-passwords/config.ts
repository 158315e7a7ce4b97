import { z } from "zod";
import { getConfig, type Env } from "../../kernel/config";
import { memo } from "../../kernel/memo";

const DEFAULT_URL = "https://api.pwnedpasswords.com";
/** The contract's bound on one range query; PWNED_PASSWORDS_TIMEOUT_MS may only lower it. */
const MAX_TIMEOUT_MS = 3000;

// Part of the one config schema (ConfigPart): an invalid value is a configuration error (503),
// on or off, so "ON" or "true" never reads as off. Each .describe() is a row of docs/configuration.md.
export const breachedPasswordsFields = {
  PWNED_PASSWORDS: z.enum(["on", "off"]).default("off").describe("`on`: a new password found in the Pwned Passwords range API is refused ([breached passwords](breached-passwords.md)); anything but `on` or `off` is 503."),
  PWNED_PASSWORDS_URL: z.url({ protocol: /^https?$/ }).default(DEFAULT_URL).describe("The range API's base URL (tests and local runs point it at a fake)."),
  PWNED_PASSWORDS_TIMEOUT_MS: z.coerce.number().int().min(100).max(MAX_TIMEOUT_MS).default(MAX_TIMEOUT_MS).describe(`How long the range API may take, in ms (100-${MAX_TIMEOUT_MS}: it can only be lowered); slower or failing: the password is accepted.`),
};
declare module "../../kernel/config" {
  interface Config extends z.infer<z.ZodObject<typeof breachedPasswordsFields>> {}
}

export interface BreachedPasswordsConfig {
  /** The range API's base URL, without a trailing slash. */
  url: string;
  timeoutMs: number;
}

/** The breached-password settings, derived once per env from the parsed config; null while PWNED_PASSWORDS is off. */
export const breachedPasswordsConfig = memo((env: Env): BreachedPasswordsConfig | null => {
  const c = getConfig(env);
  if (c.PWNED_PASSWORDS === "off") return null;
  return { url: c.PWNED_PASSWORDS_URL.replace(/\/+$/, ""), timeoutMs: c.PWNED_PASSWORDS_TIMEOUT_MS };
});
