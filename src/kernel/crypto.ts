import { sha256 } from "@noble/hashes/sha2.js";

const encoder = new TextEncoder();

// A table and a plain loop: this runs several times per refresh (jti hashes), on the hot path.
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));
export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]!];
  return out;
}

/** `n` random bytes as hex (simplejwt's jti is 32 hex characters, a uuid4 without dashes). */
export const randomHex = (n: number) => toHex(crypto.getRandomValues(new Uint8Array(n)));

/**
 * SHA-256 of a short string, as hex. Synchronous (@noble/hashes, already here for Django's
 * PBKDF2): for the few dozen bytes of a jti, an awaited WebCrypto digest costs more in
 * promise and binding overhead than the hash itself (docs/benchmark.md).
 */
export function sha256Hex(value: string): string {
  return toHex(sha256(encoder.encode(value)));
}

export function base64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Decodes base64url; null for anything that is not strictly base64url. */
export function fromBase64url(value: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(value) || value.length % 4 === 1) return null;
  try {
    const bin = atob(value.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

export const randomToken = (bytes = 32) => base64url(crypto.getRandomValues(new Uint8Array(bytes)));
