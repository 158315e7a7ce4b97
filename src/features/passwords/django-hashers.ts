/**
 * Verification of the password hash formats a Django project stores, so users
 * imported from Django keep their passwords. Formats mirror
 * django/contrib/auth/hashers.py (Django 3.2 and later).
 */
import bcrypt from "bcryptjs";
import { pbkdf2Async } from "@noble/hashes/pbkdf2.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { parseScrypt, verifyScrypt, type ParsedScrypt } from "./scrypt";

/** A stored hash this module can verify, split into its parts. */
export type DjangoHash =
  | { algorithm: "pbkdf2_sha256"; iterations: number; salt: string; hash: string }
  /** Django's BCryptSHA256PasswordHasher: bcrypt over hex(sha256(password)). */
  | { algorithm: "bcrypt_sha256"; bcrypt: string; cost: number }
  /** Django's BCryptPasswordHasher (`bcrypt$…`) and bare `$2a$/$2b$/$2y$` hashes. */
  | { algorithm: "bcrypt"; bcrypt: string; cost: number }
  /** Django's ScryptPasswordHasher (`scrypt$N$salt$r$p$hash`), native on workerd (./scrypt.ts). */
  | ParsedScrypt;

/** Workers' WebCrypto rejects PBKDF2 above this in production (local workerd does not). */
export const WEBCRYPTO_PBKDF2_MAX_ITERATIONS = 100_000;

/**
 * A stored hash is data, not code: a corrupt or hostile iteration count must not pin the
 * CPU. Above WebCrypto's 100,000 the check runs in JavaScript at about 4-5 µs per
 * iteration, so this bound (Django 6.0's default) is about 5-6 s of CPU, well inside the
 * Workers limit. The importer (scripts/lib/django-dump.mjs) uses the same bound and marks
 * costlier hashes unusable; a test holds the two equal.
 */
export const MAX_PBKDF2_ITERATIONS = 1_200_000;

// 22 salt + 31 checksum characters. Anything else bcryptjs either rejects or
// compares as false, so refusing early keeps malformed input out of the library.
const BCRYPT_RE = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;
// SHA-256 gives 32 bytes: always 43 base64 characters plus one "=". Django compares
// the re-encoded string, so any other spelling could never verify there either.
const PBKDF2_RE = /^pbkdf2_sha256\$([1-9]\d{0,7})\$([^$]+)\$([A-Za-z0-9+/]{43}=)$/;

const utf8 = new TextEncoder();

function parseBcrypt(value: string): { bcrypt: string; cost: number } | null {
  const m = BCRYPT_RE.exec(value);
  if (!m) return null;
  const cost = Number(m[1]);
  return cost >= 4 && cost <= 31 ? { bcrypt: value, cost } : null;
}

/** Splits a stored hash (pbkdf2_sha256, bcrypt_sha256, bcrypt, bare $2a/$2b/$2y, scrypt) into its parts; null when malformed or of an unsupported algorithm (argon2, md5, unusable "!…"). */
export function parseDjangoHash(stored: string): DjangoHash | null {
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

/** The bcrypt input Django's bcrypt_sha256 uses: lowercase hex of sha256(utf8(password)), 64 ASCII bytes, so bcrypt's 72-byte limit never truncates. */
export function bcryptSha256Secret(password: string): string {
  let hex = "";
  for (const byte of sha256(utf8.encode(password))) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

/** Compares two strings without an early exit; the length is not secret (fixed by the format). */
function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** PBKDF2-HMAC-SHA256 with a 32-byte output, as Django's pbkdf2() computes it. */
export async function pbkdf2Sha256(password: Uint8Array, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  if (iterations > WEBCRYPTO_PBKDF2_MAX_ITERATIONS) {
    // Pure JS is slower than native, but production WebCrypto throws NotSupportedError here.
    return pbkdf2Async(sha256, password, salt, { c: iterations, dkLen: 32 });
  }
  const key = await crypto.subtle.importKey("raw", password, "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, 256);
  return new Uint8Array(bits);
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

async function verifyPbkdf2(password: string, h: Extract<DjangoHash, { algorithm: "pbkdf2_sha256" }>): Promise<boolean> {
  const derived = await pbkdf2Sha256(utf8.encode(password), utf8.encode(h.salt), h.iterations);
  return constantTimeEqual(toBase64(derived), h.hash);
}

/** Checks a password against a parsed hash. Never throws: any library failure counts as a mismatch. */
export async function verifyDjangoHash(password: string, h: DjangoHash): Promise<boolean> {
  try {
    switch (h.algorithm) {
      case "pbkdf2_sha256":
        return await verifyPbkdf2(password, h);
      case "bcrypt_sha256":
        // bcryptjs.compare re-hashes with the stored salt and compares in constant time.
        return await bcrypt.compare(bcryptSha256Secret(password), h.bcrypt);
      case "bcrypt":
        // Legacy: bcrypt itself cuts the password at 72 bytes, exactly as Django's BCryptPasswordHasher did.
        return await bcrypt.compare(password, h.bcrypt);
      case "scrypt":
        return await verifyScrypt(password, h);
    }
  } catch {
    return false;
  }
}
