/**
 * Password hashing for storage and verification of every supported stored format.
 * We store Django's `bcrypt_sha256` format so the table stays importable back into Django.
 */
import bcrypt from "bcryptjs";
import { bcryptSha256Secret, parseDjangoHash, verifyDjangoHash, WEBCRYPTO_PBKDF2_MAX_ITERATIONS, type DjangoHash } from "./django-hashers";

/** Outcome of a verification. `needsRehash` is only ever true when `ok` is. */
export interface VerifyResult {
  ok: boolean;
  needsRehash: boolean;
}

const OUR_PREFIX = "bcrypt_sha256$";

function assertCost(cost: number): void {
  // bcryptjs silently clamps out-of-range costs; a misconfiguration must be loud instead.
  if (!Number.isInteger(cost) || cost < 4 || cost > 31) throw new RangeError(`bcrypt cost must be an integer in 4..31, got ${cost}`);
}

/** Hash for storage: bcrypt_sha256 at the given cost (`bcrypt_sha256$$2b$<cost>$…`). Throws RangeError for a cost outside 4..31. */
export async function hashPassword(password: string, cost: number): Promise<string> {
  assertCost(cost);
  const hashed = await bcrypt.hash(bcryptSha256Secret(password), await bcrypt.genSalt(cost));
  // Django writes $2b$; $2a$ is the same algorithm for our 64-byte ASCII input, so only the label changes.
  const normalised = hashed.startsWith("$2a$") ? `$2b$${hashed.slice(4)}` : hashed;
  if (!normalised.startsWith("$2b$")) throw new Error("bcryptjs produced an unexpected hash prefix");
  return OUR_PREFIX + normalised;
}

function isCurrent(h: DjangoHash, cost: number): boolean {
  return h.algorithm === "bcrypt_sha256" && h.bcrypt.startsWith("$2b$") && h.cost === cost;
}

/**
 * Checks a password against any supported stored hash (bcrypt_sha256, bcrypt, bare $2a/$2b/$2y, pbkdf2_sha256).
 * `needsRehash` when it verified but is not our format or not at `cost`.
 * Never throws for malformed or unsupported hashes (ok:false); those still spend a dummy
 * verification so an account with such a hash cannot be told apart by timing.
 */
export async function verifyPassword(password: string, stored: string, cost: number): Promise<VerifyResult> {
  const parsed = parseDjangoHash(stored);
  if (!parsed) {
    await verifyAgainstDummy(password, cost);
    return { ok: false, needsRehash: false };
  }
  const ok = await verifyDjangoHash(password, parsed);
  return { ok, needsRehash: ok && !isCurrent(parsed, cost) };
}

// One promise per cost, so concurrent first requests in an isolate share a single hash.
const dummyHashes = new Map<number, Promise<string>>();

function dummyHash(cost: number): Promise<string> {
  let pending = dummyHashes.get(cost);
  if (!pending) {
    pending = hashPassword(crypto.randomUUID(), cost);
    // A failed attempt must not poison the cache for the isolate's lifetime.
    pending.catch(() => dummyHashes.delete(cost));
    dummyHashes.set(cost, pending);
  }
  return pending;
}

/**
 * Does the same bcrypt work as a real verification at `cost` and returns false: used for
 * unknown e-mails and inactive users so their timing matches a wrong password.
 * The dummy hash is made once per isolate per cost (the first call pays for it too).
 */
export async function verifyAgainstDummy(password: string, cost: number): Promise<false> {
  const parsed = parseDjangoHash(await dummyHash(cost));
  if (parsed) await verifyDjangoHash(password, parsed);
  return false;
}

/**
 * A hash whose check runs in JavaScript rather than WebCrypto (PBKDF2 above 100,000
 * iterations, as Django writes them): about a second of CPU instead of bcrypt's 90 ms.
 */
export function isCostlyHash(stored: string): boolean {
  const parsed = parseDjangoHash(stored);
  return parsed?.algorithm === "pbkdf2_sha256" && parsed.iterations > WEBCRYPTO_PBKDF2_MAX_ITERATIONS;
}

/** Whether `stored` is a well-formed hash `verifyPassword` can check; false for argon2, md5, unusable ("!…") and malformed values. */
export function isSupportedHash(stored: string): boolean {
  return parseDjangoHash(stored) !== null;
}
