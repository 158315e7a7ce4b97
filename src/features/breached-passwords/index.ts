import type { Capability } from "../../kernel/capability";
import type { Deps } from "../../kernel/deps";
import { breachedPasswordsConfig, breachedPasswordsFields } from "./config";
import { BREACHED_MSG } from "./messages";
import { isBreached } from "./service";

export const breachedPasswordsCapability = { name: "breached-passwords", config: { shape: breachedPasswordsFields } } satisfies Capability;

/**
 * The breached-password rule (CONTRACT "v3, part 2", Breached passwords; docs/breached-passwords.md),
 * for features/passwords/policy.ts to run after the other rules passed: the message under
 * `password` when the password has appeared in a breach, else undefined (also when
 * PWNED_PASSWORDS is off or the range API cannot answer).
 */
export async function breachedPasswordProblem(d: Deps, password: string): Promise<string | undefined> {
  const config = breachedPasswordsConfig(d.env);
  if (!config) return undefined;
  return (await isBreached(config, password, d.log)) ? BREACHED_MSG.breached : undefined;
}
