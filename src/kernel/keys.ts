import { importJWK, type JWK } from "jose";

export const ALGORITHMS = ["HS256", "ES256", "EdDSA", "RS256"] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

/** A private JWK from JWT_PRIVATE_KEYS, checked for the configured algorithm. */
export interface PrivateJwk extends JWK {
  kid: string;
  d: string;
}

const KTY: Record<Exclude<Algorithm, "HS256">, (k: JWK) => boolean> = {
  ES256: (k) => k.kty === "EC" && k.crv === "P-256",
  EdDSA: (k) => k.kty === "OKP" && k.crv === "Ed25519",
  RS256: (k) => k.kty === "RSA" && typeof k.n === "string" && k.n.length >= 342, // >= 2048-bit modulus
};

/**
 * Parses JWT_PRIVATE_KEYS: a JSON array of private JWKs, each with a unique kid, all of
 * the configured algorithm's key type. Returns a reason instead of throwing, so config
 * can report it once.
 */
export function parsePrivateKeys(raw: string | undefined, alg: Exclude<Algorithm, "HS256">): PrivateJwk[] | string {
  if (!raw) return "JWT_PRIVATE_KEYS is missing: set a JSON array of private JWKs (npm run keys:generate)";
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return "JWT_PRIVATE_KEYS is not valid JSON";
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  if (list.length === 0) return "JWT_PRIVATE_KEYS is empty";
  const kids = new Set<string>();
  for (const [i, k] of list.entries()) {
    if (typeof k !== "object" || k === null) return `JWT_PRIVATE_KEYS[${i}] is not a JWK`;
    const jwk = k as JWK;
    if (typeof jwk.kid !== "string" || !jwk.kid) return `JWT_PRIVATE_KEYS[${i}] has no kid`;
    if (kids.has(jwk.kid)) return `JWT_PRIVATE_KEYS has kid ${jwk.kid} twice`;
    kids.add(jwk.kid);
    if (typeof jwk.d !== "string") return `JWT_PRIVATE_KEYS[${i}] (${jwk.kid}) is not a private key`;
    if (!KTY[alg](jwk)) return `JWT_PRIVATE_KEYS[${i}] (${jwk.kid}) is not a key for ${alg}`;
  }
  return list as PrivateJwk[];
}

/** The public half of a private JWK: only the members a verifier needs. */
function publicJwk(k: PrivateJwk, alg: Algorithm): JWK {
  const { kty, crv, x, y, n, e, kid } = k;
  return Object.fromEntries(
    Object.entries({ kty, crv, x, y, n, e, kid, alg, use: "sig" }).filter(([, v]) => v !== undefined),
  ) as JWK;
}

export interface Keyring {
  sign: { key: CryptoKey; kid?: string };
  /** By kid; HS256 has one key and no kid. */
  verify: Map<string | undefined, CryptoKey>;
  /** What /.well-known/jwks.json publishes: public keys only (none for HS256). */
  jwks: { keys: JWK[] };
}

/** Imports every key once; callers cache the promise per isolate. */
export async function buildKeyring(alg: Algorithm, secret: Uint8Array, privateKeys: PrivateJwk[]): Promise<Keyring> {
  if (alg === "HS256") {
    const key = await crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    return { sign: { key }, verify: new Map([[undefined, key]]), jwks: { keys: [] } };
  }
  const verify = new Map<string | undefined, CryptoKey>();
  const publics = privateKeys.map((k) => publicJwk(k, alg));
  await Promise.all(publics.map(async (p) => verify.set(p.kid, (await importJWK(p, alg)) as CryptoKey)));
  const first = privateKeys[0]!;
  const signKey = (await importJWK({ ...first, alg }, alg)) as CryptoKey;
  return { sign: { key: signKey, kid: first.kid }, verify, jwks: { keys: publics } };
}
