/**
 * Verification of the password hash formats a Django project stores, so users
 * imported from Django keep their passwords. Formats mirror
 * django/contrib/auth/hashers.py (Django 3.2 and later); the parsing is ./django-formats.ts.
 */
import bcrypt from "bcryptjs";
import { pbkdf2Async } from "@noble/hashes/pbkdf2.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { verifyScrypt } from "./scrypt";
import { parseDjangoHash, type DjangoHash } from "./django-formats";

// The formats themselves (what parses, and the bounds) are ./django-formats.ts, shared with the importer.
export { parseDjangoHash, MAX_PBKDF2_ITERATIONS, type DjangoHash } from "./django-formats";

/** Workers' WebCrypto rejects PBKDF2 above this in production (local workerd does not). */
export const WEBCRYPTO_PBKDF2_MAX_ITERATIONS = 100_000;

const utf8 = new TextEncoder();

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
