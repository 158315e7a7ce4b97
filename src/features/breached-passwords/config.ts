import { z } from "zod";
import { missingConfig, type Env } from "../../kernel/config";
import { memo } from "../../kernel/memo";

const DEFAULT_URL = "https://api.pwnedpasswords.com";
/** The contract's bound on one range query; PWNED_PASSWORDS_TIMEOUT_MS may only lower it. */
const MAX_TIMEOUT_MS = 3000;

export interface BreachedPasswordsConfig {
  /** The range API's base URL, without a trailing slash. */
  url: string;
  timeoutMs: number;
}

const Settings = z.object({
  PWNED_PASSWORDS: z.enum(["on", "off"]).default("off"),
  PWNED_PASSWORDS_URL: z.url({ protocol: /^https?$/ }).default(DEFAULT_URL),
  PWNED_PASSWORDS_TIMEOUT_MS: z.coerce.number().int().min(100).max(MAX_TIMEOUT_MS).default(MAX_TIMEOUT_MS),
});

/**
 * The breached-password settings, parsed once per env; null while PWNED_PASSWORDS is off.
 * Invalid settings are a configuration error (503), on or off: "ON" or "true" must not read as off.
 */
export const breachedPasswordsConfig = memo((env: Env): BreachedPasswordsConfig | null => {
  // Empty strings mean "not set", as in the kernel's config.
  const raw = Object.fromEntries(Object.keys(Settings.shape).map((k) => [k, typeof env[k] === "string" && env[k].trim() ? env[k].trim() : undefined]));
  const parsed = Settings.safeParse(raw);
  if (!parsed.success) {
    throw missingConfig(env, `invalid breached-password configuration: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  }
  const s = parsed.data;
  if (s.PWNED_PASSWORDS === "off") return null;
  return { url: s.PWNED_PASSWORDS_URL.replace(/\/+$/, ""), timeoutMs: s.PWNED_PASSWORDS_TIMEOUT_MS };
});
