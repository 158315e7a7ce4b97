/**
 * Password hashing for storage and verification of every supported stored format.
 * New hashes use the configured hasher (PASSWORD_HASHER): `scrypt` (native node:crypto on
 * workerd, Django's ScryptPasswordHasher format) or `bcrypt` (bcryptjs, Django's
 * `bcrypt_sha256` format). Both are Django formats, so the table stays importable back into
 * Django. Every format verifies whatever is configured; a login re-hashes into the configured one.
 */
import bcrypt from "bcryptjs";
import { bcryptSha256Secret, parseDjangoHash, verifyDjangoHash, WEBCRYPTO_PBKDF2_MAX_ITERATIONS, type DjangoHash } from "./django-hashers";
import { hashScrypt, type ScryptParams } from "./scrypt";

/** Outcome of a verification. `needsRehash` is only ever true when `ok` is. */
export interface VerifyResult {
  ok: boolean;
  needsRehash: boolean;
}

/** What new hashes are made with. */
export type Hasher = { kind: "bcrypt"; cost: number } | ({ kind: "scrypt" } & ScryptParams);

/** The settings a Hasher comes from (src/kernel/config.ts). */
export interface HasherSettings {
  PASSWORD_HASHER: "scrypt" | "bcrypt";
  BCRYPT_COST: number;
  SCRYPT_N: number;
  SCRYPT_R: number;
  SCRYPT_P: number;
}

/** The configuration (`d.config`), a Hasher, or a bare number: bcrypt at that cost. */
export type HasherSpec = HasherSettings | Hasher | number;

/** The hasher a spec describes. */
export function hasherOf(spec: HasherSpec): Hasher {
  if (typeof spec === "number") return { kind: "bcrypt", cost: spec };
  if ("kind" in spec) return spec;
  return spec.PASSWORD_HASHER === "bcrypt"
    ? { kind: "bcrypt", cost: spec.BCRYPT_COST }
    : { kind: "scrypt", N: spec.SCRYPT_N, r: spec.SCRYPT_R, p: spec.SCRYPT_P };
}

const OUR_BCRYPT_PREFIX = "bcrypt_sha256$";

function assertCost(cost: number): void {
  // bcryptjs silently clamps out-of-range costs; a misconfiguration must be loud instead.
  if (!Number.isInteger(cost) || cost < 4 || cost > 31) throw new RangeError(`bcrypt cost must be an integer in 4..31, got ${cost}`);
}

async function hashBcryptSha256(password: string, cost: number): Promise<string> {
  assertCost(cost);
  const hashed = await bcrypt.hash(bcryptSha256Secret(password), await bcrypt.genSalt(cost));
  // Django writes $2b$; $2a$ is the same algorithm for our 64-byte ASCII input, so only the label changes.
  const normalised = hashed.startsWith("$2a$") ? `$2b$${hashed.slice(4)}` : hashed;
  if (!normalised.startsWith("$2b$")) throw new Error("bcryptjs produced an unexpected hash prefix");
  return OUR_BCRYPT_PREFIX + normalised;
}

/**
 * Hash for storage with the configured hasher: `scrypt$<N>$<salt>$<r>$<p>$<hash>` or
 * `bcrypt_sha256$$2b$<cost>$…`. Throws RangeError for parameters out of bounds.
 */
export async function hashPassword(password: string, spec: HasherSpec): Promise<string> {
  const h = hasherOf(spec);
  return h.kind === "bcrypt" ? hashBcryptSha256(password, h.cost) : hashScrypt(password, h);
}

/** Whether a stored hash is already what `h` would write (kind and parameters). */
function isCurrent(stored: DjangoHash, h: Hasher): boolean {
  if (h.kind === "bcrypt") return stored.algorithm === "bcrypt_sha256" && stored.bcrypt.startsWith("$2b$") && stored.cost === h.cost;
  return stored.algorithm === "scrypt" && stored.N === h.N && stored.r === h.r && stored.p === h.p;
}

/**
 * Checks a password against any supported stored hash (scrypt, bcrypt_sha256, bcrypt, bare
 * $2a/$2b/$2y, pbkdf2_sha256), whatever the configured hasher. `needsRehash` when it verified
 * but is not of the configured kind and parameters.
 * Never throws for malformed or unsupported hashes (ok:false); those still spend a dummy
 * verification so an account with such a hash cannot be told apart by timing.
 */
export async function verifyPassword(password: string, stored: string, spec: HasherSpec): Promise<VerifyResult> {
  const parsed = parseDjangoHash(stored);
  if (!parsed) {
    await verifyAgainstDummy(password, spec);
    return { ok: false, needsRehash: false };
  }
  const ok = await verifyDjangoHash(password, parsed);
  return { ok, needsRehash: ok && !isCurrent(parsed, hasherOf(spec)) };
}

// One promise per hasher setting, so concurrent first requests in an isolate share a single hash.
const dummyHashes = new Map<string, Promise<string>>();

/** The isolate's dummy hash for a setting (exported for the tests: it must be of the configured kind). */
export function dummyHash(spec: HasherSpec): Promise<string> {
  const h = hasherOf(spec);
  const key = JSON.stringify(h);
  let pending = dummyHashes.get(key);
  if (!pending) {
    pending = hashPassword(crypto.randomUUID(), h);
    // A failed attempt must not poison the cache for the isolate's lifetime.
    pending.catch(() => dummyHashes.delete(key));
    dummyHashes.set(key, pending);
  }
  return pending;
}

/**
 * Does the same work as a real verification with the configured hasher and returns false:
 * used for unknown e-mails and inactive users so their timing matches a wrong password.
 * The dummy hash is made once per isolate per setting (the first call pays for it too).
 */
export async function verifyAgainstDummy(password: string, spec: HasherSpec): Promise<false> {
  const parsed = parseDjangoHash(await dummyHash(spec));
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
export { isSupportedHash } from "./django-formats";
