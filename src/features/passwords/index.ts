import { z } from "zod";
import type { Capability } from "../../kernel/capability";
import { MAX_SCRYPT_MEMORY_BYTES, MAX_SCRYPT_WORK, scryptParamsAllowed } from "./scrypt";

const config = {
  // New hashes: scrypt (native, memory-hard; default, see README "Password hashing") or bcrypt.
  PASSWORD_HASHER: z.enum(["scrypt", "bcrypt"]).default("scrypt").describe("New hashes: `scrypt` (workerd's native `node:crypto`, Django's `scrypt$N$salt$r$p$hash`) or `bcrypt` (bcryptjs, Django's `bcrypt_sha256`). Every kind verifies whatever is set; a hash of another kind or parameters is re-hashed at the next login. Why scrypt: [password hashing](passwords.md)."),
  BCRYPT_COST: z.coerce.number().int().min(4).max(15).default(10).describe("bcrypt cost (4-15) when `PASSWORD_HASHER=bcrypt`."),
  // 128*N*r bytes per hash (32 MiB by default); checked against the bounds below.
  SCRYPT_N: z.coerce.number().int().default(16384).describe("scrypt CPU/memory cost, a power of two. 128·N·r ≤ 32 MiB and N·r·p ≤ 2^20, else every request answers 503."),
  SCRYPT_R: z.coerce.number().int().default(16).describe("scrypt block size (bounds: see `SCRYPT_N`)."),
  SCRYPT_P: z.coerce.number().int().default(1).describe("scrypt parallelisation (bounds: see `SCRYPT_N`)."),
};
type PasswordsConfig = z.infer<z.ZodObject<typeof config>>;

declare module "../../kernel/config" {
  interface Config extends PasswordsConfig {}
}

function checkScrypt(c: Record<string, unknown>): string | undefined {
  if (scryptParamsAllowed({ N: c.SCRYPT_N as number, r: c.SCRYPT_R as number, p: c.SCRYPT_P as number })) return undefined;
  return `SCRYPT_N/SCRYPT_R/SCRYPT_P: N must be a power of 2, 128*N*r <= ${MAX_SCRYPT_MEMORY_BYTES} bytes and N*r*p <= ${MAX_SCRYPT_WORK}`;
}

/** Hashing (new and imported Django formats) and the password rules; no routes of its own. */
export const passwordsCapability = { name: "passwords", config: { shape: config, check: checkScrypt } } satisfies Capability;

// What other capabilities use (they import nothing else from this folder).
export { hashPassword, isCostlyHash, isSupportedHash, verifyAgainstDummy, verifyPassword } from "./hashing";
export type { HasherSpec } from "./hashing";
export { PASSWORD_MSG, assertPasswordsMatch, currentPasswordWrong, reauthenticationRequired } from "./messages";
export { assertCurrentPassword, checkCurrentPassword } from "./current-password";
export { assertPasswordRules, newPasswordProblems } from "./policy";
export { PASSWORD_RULES_HELP } from "./rules";
