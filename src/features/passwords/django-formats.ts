/**
 * The one copy of the Django password-hash formats (django/contrib/auth/hashers.py, Django 3.2
 * and later) and of the bounds a stored hash must stay inside: which strings login can verify.
 * Both the worker (./django-hashers.ts, ./scrypt.ts) and the Node importer
 * (scripts/lib/django-dump.mjs) use it. Node loads it by stripping its types, so it must stay
 * free of imports and of TypeScript that needs transforming (enums, namespaces, parameter
 * properties): the importer would stop loading otherwise.
 */

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  /** Block size. */
  r: number;
  /** Parallelisation (sequential on workerd: CPU grows with p, memory does not). */
  p: number;
}

export interface ParsedScrypt extends ScryptParams {
  algorithm: "scrypt";
  salt: string;
  /** Base64 (with padding) of the 64-byte key. */
  hash: string;
}

/** A stored hash login can verify, split into its parts. */
export type DjangoHash =
  | { algorithm: "pbkdf2_sha256"; iterations: number; salt: string; hash: string }
  /** Django's BCryptSHA256PasswordHasher: bcrypt over hex(sha256(password)). */
  | { algorithm: "bcrypt_sha256"; bcrypt: string; cost: number }
  /** Django's BCryptPasswordHasher (`bcrypt$…`) and bare `$2a$/$2b$/$2y$` hashes. */
  | { algorithm: "bcrypt"; bcrypt: string; cost: number }
  /** Django's ScryptPasswordHasher (`scrypt$N$salt$r$p$hash`), native on workerd (./scrypt.ts). */
  | ParsedScrypt;

/**
 * A stored hash is data, not code: a corrupt or hostile iteration count must not pin the
 * CPU. Above WebCrypto's 100,000 the check runs in JavaScript at about 4-5 µs per
 * iteration (measured in workerd, see docs/migrating-from-django.md), so this bound
 * (Django 6.0's default: every hash a stock Django writes stays verifiable) is about 5-6 s
 * of CPU, well inside the Workers limit. The importer marks costlier hashes unusable.
 */
export const MAX_PBKDF2_ITERATIONS = 1_200_000;

/**
 * Bounds for scrypt parameters, configured or read from a stored hash (a corrupt or hostile
 * row must not ask for gigabytes or seconds):
 *  - memory 128*N*r <= 32 MiB: the scratch buffer, outside V8 but likely counted against the
 *    isolate's 128 MB in production; at most one exists per isolate at a time;
 *  - work N*r*p <= 2^20 (4x the default; ~240 ms of CPU here): admits Django's own default
 *    (2^14, 8, 5) and every OWASP row that fits the memory bound.
 */
export const MAX_SCRYPT_MEMORY_BYTES = 32 * 1024 * 1024;
export const MAX_SCRYPT_WORK = 2 ** 20;

// 22 salt + 31 checksum characters. Anything else bcryptjs either rejects or
// compares as false, so refusing early keeps malformed input out of the library.
const BCRYPT_RE = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;
// SHA-256 gives 32 bytes: always 43 base64 characters plus one "=". Django compares
// the re-encoded string, so any other spelling could never verify there either.
const PBKDF2_RE = /^pbkdf2_sha256\$([1-9]\d{0,7})\$([^$]+)\$([A-Za-z0-9+/]{43}=)$/;
// scrypt$N$salt$r$p$hash: a 64-byte key is always 86 base64 characters and "==".
const SCRYPT_RE = /^scrypt\$([1-9]\d{0,7})\$([\x21-\x23\x25-\x7e]{1,128})\$([1-9]\d{0,3})\$([1-9]\d{0,3})\$([A-Za-z0-9+/]{86}==)$/;

/** Whether the parameters are well-formed and inside the bounds above. */
export function scryptParamsAllowed({ N, r, p }: ScryptParams): boolean {
  return (
    Number.isSafeInteger(N) && Number.isSafeInteger(r) && Number.isSafeInteger(p) &&
    N >= 2 && (N & (N - 1)) === 0 && r >= 1 && p >= 1 &&
    128 * N * r <= MAX_SCRYPT_MEMORY_BYTES &&
    N * r * p <= MAX_SCRYPT_WORK
  );
}

/** Splits a stored `scrypt$…` hash; null when malformed or outside the bounds. Never throws. */
export function parseScrypt(stored: unknown): ParsedScrypt | null {
  if (typeof stored !== "string") return null;
  const m = SCRYPT_RE.exec(stored);
  if (!m) return null;
  const params = { N: Number(m[1]), r: Number(m[3]), p: Number(m[4]) };
  if (!scryptParamsAllowed(params)) return null;
  return { algorithm: "scrypt", ...params, salt: m[2]!, hash: m[5]! };
}

/** The iteration count of a well-formed pbkdf2_sha256 hash, whatever its size; null for anything else. */
export function pbkdf2Iterations(stored: string): number | null {
  const m = PBKDF2_RE.exec(stored);
  return m ? Number(m[1]) : null;
}

function parseBcrypt(value: string): { bcrypt: string; cost: number } | null {
  const m = BCRYPT_RE.exec(value);
  if (!m) return null;
  const cost = Number(m[1]);
  return cost >= 4 && cost <= 31 ? { bcrypt: value, cost } : null;
}

/** Splits a stored hash (pbkdf2_sha256, bcrypt_sha256, bcrypt, bare $2a/$2b/$2y, scrypt) into its parts; null when malformed, over the bounds, or of an unsupported algorithm (argon2, md5, sha1, unusable "!…"). */
export function parseDjangoHash(stored: unknown): DjangoHash | null {
  if (typeof stored !== "string") return null;
  if (stored.startsWith("pbkdf2_sha256$")) {
    const m = PBKDF2_RE.exec(stored);
    if (!m) return null;
    const iterations = Number(m[1]);
    if (iterations > MAX_PBKDF2_ITERATIONS) return null;
    return { algorithm: "pbkdf2_sha256", iterations, salt: m[2]!, hash: m[3]! };
  }
  if (stored.startsWith("scrypt$")) return parseScrypt(stored);
  if (stored.startsWith("bcrypt_sha256$")) {
    const b = parseBcrypt(stored.slice("bcrypt_sha256$".length));
    return b && { algorithm: "bcrypt_sha256", ...b };
  }
  if (stored.startsWith("bcrypt$")) {
    const b = parseBcrypt(stored.slice("bcrypt$".length));
    return b && { algorithm: "bcrypt", ...b };
  }
  const b = parseBcrypt(stored);
  return b && { algorithm: "bcrypt", ...b };
}

/** Whether login can verify this stored hash. */
export function isSupportedHash(stored: unknown): boolean {
  return parseDjangoHash(stored) !== null;
}
