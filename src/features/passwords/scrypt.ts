/**
 * scrypt on workerd's native node:crypto (BoringSSL), in Django's ScryptPasswordHasher format
 * so rows stay importable into Django and Django-made scrypt hashes verify here:
 *
 *     scrypt$<N>$<salt>$<r>$<p>$<hash>
 *
 *   N, r, p  decimal; N a power of two. Self-describing: raising the configured parameters
 *            needs no migration, a login re-hashes (see hashing.ts).
 *   salt     22 alphanumeric characters as Django's get_random_string writes (~131 bits). As in
 *            Django, scrypt's salt input is the UTF-8 bytes of this string.
 *   hash     scrypt(utf8(password), utf8(salt), N, r, p, dkLen = 64) in standard base64 with
 *            padding (Django's base64.b64encode): always 86 characters and "==".
 *
 * Notes (measured on workerd 1.20261102.1, docs/benchmark.md):
 *  - node:crypto is there without a flag at compatibility_date >= 2026-08-04 (nodejs_compat is
 *    implied); wrangler.toml lists the flag anyway. Nothing is polyfilled into the bundle.
 *  - workerd computes scrypt synchronously on the isolate thread (the callback only is
 *    deferred), so concurrent logins in one isolate run one after another: one 128*N*r
 *    buffer at a time. It is malloc'd natively, outside the V8 heap.
 *  - maxmem must be passed: the default (32 MiB) refuses N*r = 2^18 with "Scrypt failed".
 */
import { scrypt as scryptCallback } from "node:crypto";

import { parseScrypt, scryptParamsAllowed, MAX_SCRYPT_MEMORY_BYTES, MAX_SCRYPT_WORK, type ParsedScrypt, type ScryptParams } from "./django-formats";

// The format and its bounds live in ./django-formats.ts (shared with the importer).
export { parseScrypt, scryptParamsAllowed, MAX_SCRYPT_MEMORY_BYTES, MAX_SCRYPT_WORK, type ParsedScrypt, type ScryptParams };

/** Derived key length in bytes (Django's dklen). */
const SCRYPT_KEY_LENGTH = 64;

const SALT_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const utf8 = new TextEncoder();

/** maxmem for node:crypto: enough for BoringSSL (128r(N+p+1)) and OpenSSL (128r(N+p+2)). */
function scryptMaxmem({ N, r, p }: ScryptParams): number {
  return 128 * r * (N + p + 2);
}

/** Raw scrypt, bytes in, bytes out (also what the known-answer tests call). */
export function scryptRaw(password: Uint8Array, salt: Uint8Array, params: ScryptParams, keyLength: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    scryptCallback(password, salt, keyLength, { N: params.N, r: params.r, p: params.p, maxmem: scryptMaxmem(params) }, (err, key) =>
      err || !key ? reject(err ?? new Error("scrypt returned no key")) : resolve(new Uint8Array(key.buffer, key.byteOffset, key.byteLength)),
    );
  });
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** 22 characters from [a-zA-Z0-9], uniformly (rejection sampling), like Django's salts. */
function newSalt(): string {
  let salt = "";
  while (salt.length < 22) {
    for (const byte of crypto.getRandomValues(new Uint8Array(32))) {
      if (byte < 248 && salt.length < 22) salt += SALT_CHARS[byte % 62];
    }
  }
  return salt;
}

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Hash for storage with a fresh salt. Throws RangeError for parameters outside the bounds. */
export async function hashScrypt(password: string, params: ScryptParams): Promise<string> {
  if (!scryptParamsAllowed(params)) {
    throw new RangeError(`scrypt parameters out of bounds: N=${params.N} r=${params.r} p=${params.p} (N a power of 2, 128*N*r <= ${MAX_SCRYPT_MEMORY_BYTES}, N*r*p <= ${MAX_SCRYPT_WORK})`);
  }
  const salt = newSalt();
  const key = await scryptRaw(utf8.encode(password), utf8.encode(salt), params, SCRYPT_KEY_LENGTH);
  return `scrypt$${params.N}$${salt}$${params.r}$${params.p}$${toBase64(key)}`;
}

/** Checks a password against a parsed hash; compares the re-encoded key in constant time, as Django does. */
export async function verifyScrypt(password: string, h: ParsedScrypt): Promise<boolean> {
  const key = await scryptRaw(utf8.encode(password), utf8.encode(h.salt), h, SCRYPT_KEY_LENGTH);
  return constantTimeEqual(toBase64(key), h.hash);
}
