import { decodeCBORToNativeValue } from "@oslojs/cbor";
import { base64url } from "../../kernel/crypto";
import { COSE_EDDSA, COSE_ES256, COSE_RS256 } from "./options";

/**
 * COSE public keys (RFC 9053) of the three algorithms the RP accepts, as WebCrypto keys.
 * @oslojs/cbor decodes the map (as @oslojs/webauthn does for authenticatorData, which exports
 * no decoder of a stored key); the checks of key type, curve and sizes are here, so a
 * key is usable (imported once at registration) before it is ever stored.
 */
const KTY_OKP = 1;
const KTY_EC2 = 2;
const KTY_RSA = 3;
const CRV_P256 = 1;
const CRV_ED25519 = 6;
const MIN_RSA_MODULUS_BYTES = 256;

type Params = Record<string, unknown>;
const bytes = (v: unknown, length?: number): Uint8Array | null =>
  v instanceof Uint8Array && (length === undefined || v.byteLength === length) ? v : null;

/** The key's parameters and the length of its CBOR encoding, or null when it is not CBOR. */
export function decodeCoseKey(data: Uint8Array): { params: Params; size: number } | null {
  try {
    const [value, size] = decodeCBORToNativeValue(data, 4);
    if (value === null || typeof value !== "object" || Array.isArray(value) || value instanceof Uint8Array) return null;
    return { params: value as Params, size };
  } catch {
    return null;
  }
}

/** The key as WebCrypto's, checked against its COSE algorithm; null for anything else. */
export async function importCoseKey(params: Params): Promise<{ alg: number; key: CryptoKey } | null> {
  const alg = params["3"];
  const kty = params["1"];
  try {
    if (alg === COSE_ES256 && kty === KTY_EC2 && params["-1"] === CRV_P256) {
      const x = bytes(params["-2"], 32);
      const y = bytes(params["-3"], 32);
      if (!x || !y) return null;
      const raw = new Uint8Array(65);
      raw[0] = 0x04;
      raw.set(x, 1);
      raw.set(y, 33);
      // Import checks the point is on the curve.
      return { alg, key: await crypto.subtle.importKey("raw", raw, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]) };
    }
    if (alg === COSE_EDDSA && kty === KTY_OKP && params["-1"] === CRV_ED25519) {
      const x = bytes(params["-2"], 32);
      if (!x) return null;
      return { alg, key: await crypto.subtle.importKey("raw", x, { name: "Ed25519" }, false, ["verify"]) };
    }
    if (alg === COSE_RS256 && kty === KTY_RSA) {
      const n = bytes(params["-1"]);
      const e = bytes(params["-2"]);
      if (!n || !e || n.byteLength < MIN_RSA_MODULUS_BYTES || n[0] === 0) return null;
      const jwk = { kty: "RSA", n: base64url(n), e: base64url(e), alg: "RS256", ext: true };
      return { alg, key: await crypto.subtle.importKey("jwk", jwk, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["verify"]) };
    }
  } catch {
    return null;
  }
  return null;
}

/**
 * ECDSA signatures arrive DER-encoded (SEQUENCE of two INTEGERs); WebCrypto takes r ‖ s,
 * each 32 bytes. Strict: anything but one minimal DER SEQUENCE is null.
 */
export function derToRawP256(der: Uint8Array): Uint8Array | null {
  if (der.length < 8 || der[0] !== 0x30 || der[1] !== der.length - 2) return null;
  const out = new Uint8Array(64);
  let at = 2;
  for (const half of [0, 32]) {
    if (der[at] !== 0x02) return null;
    const len = der[at + 1]!;
    const start = at + 2;
    if (len === 0 || len > 33 || start + len > der.length) return null;
    let int = der.subarray(start, start + len);
    // Minimal encoding: a leading zero only before a byte with its top bit set.
    if (int[0] === 0 && (len === 1 || (int[1]! & 0x80) === 0)) return null;
    if (int[0]! & 0x80) return null;
    if (int[0] === 0) int = int.subarray(1);
    if (int.length > 32) return null;
    out.set(int, half + 32 - int.length);
    at = start + len;
  }
  return at === der.length ? out : null;
}

/** Verifies `signature` over `message` with a key of `alg` (the WebAuthn signature formats). */
export async function verifySignature(alg: number, key: CryptoKey, signature: Uint8Array, message: Uint8Array): Promise<boolean> {
  try {
    if (alg === COSE_ES256) {
      const raw = derToRawP256(signature);
      return raw !== null && (await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, raw, message));
    }
    if (alg === COSE_EDDSA) return await crypto.subtle.verify({ name: "Ed25519" }, key, signature, message);
    if (alg === COSE_RS256) return await crypto.subtle.verify({ name: "RSASSA-PKCS1-v1_5" }, key, signature, message);
  } catch {
    return false;
  }
  return false;
}
