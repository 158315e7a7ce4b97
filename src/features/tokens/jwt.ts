import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import type { Config } from "../../kernel/config";
import { AppError } from "../../kernel/errors";
import { randomHex, sha256Hex, toHex } from "../../kernel/crypto";
import { buildKeyring } from "../../kernel/keys";
import { memo } from "../../kernel/memo";
import { tokenInvalid, tokenWrongType } from "./messages";

export type TokenType = "access" | "refresh";

/** simplejwt's claim layout (USER_ID_CLAIM=user_id, TOKEN_TYPE_CLAIM=token_type, JTI_CLAIM=jti), plus our session id. */
export interface TokenClaims {
  token_type: TokenType;
  exp: number;
  iat: number;
  jti: string;
  user_id: number;
  /** Session (refresh family) id; absent on tokens minted by simplejwt before the move. */
  sid?: string;
  /** The session's refresh generation this token belongs to; absent on tokens minted before sessions had one. */
  gen?: number;
  /** D1 bookmark of the write that created the session: replica reads with this token start there. */
  bm?: string;
  /** RFC 8176 authentication methods of the session's sign-in (["pwd"], ["pwd","otp"], ["fed"], ...), on access tokens. */
  amr?: string[];
  /** When the session was signed into (seconds since the epoch; refreshes never move it), on access tokens. */
  auth_time?: number;
}

/** Imports the keys once per isolate (per parsed config), not per token. */
export const keyring = memo((config: Config) => buildKeyring(config.JWT_ALGORITHM, config.signingKey, config.privateKeys));

export interface MintInput {
  type: TokenType;
  userId: number;
  sessionId?: string;
  generation?: number;
  bookmark?: string;
  /** Seconds since the epoch; fixed by callers that must mint the same token twice. */
  issuedAt?: number;
  jti?: string;
  /** Access tokens only: how the user authenticated (see TokenClaims.amr). */
  amr?: string[];
  /** Access tokens only: when the session was signed into (see TokenClaims.auth_time). */
  authTime?: number;
}

/** Signs a token; with the same input (iat and jti included) HS256 gives the same bytes. */
export async function mintToken(config: Config, input: MintInput): Promise<{ token: string; claims: TokenClaims }> {
  const iat = input.issuedAt ?? Math.floor(Date.now() / 1000);
  const lifetime = input.type === "access" ? config.ACCESS_TOKEN_LIFETIME : config.REFRESH_TOKEN_LIFETIME;
  const claims: TokenClaims = {
    token_type: input.type,
    exp: iat + lifetime,
    iat,
    jti: input.jti ?? randomHex(16),
    user_id: input.userId,
    ...(input.sessionId ? { sid: input.sessionId } : {}),
    ...(input.generation !== undefined ? { gen: input.generation } : {}),
    ...(input.bookmark ? { bm: input.bookmark } : {}),
    ...(input.amr && input.type === "access" ? { amr: input.amr } : {}),
    ...(input.authTime !== undefined && input.type === "access" ? { auth_time: input.authTime } : {}),
  };
  const { sign } = await keyring(config);
  // HS256 headers stay exactly simplejwt's ({alg, typ}); asymmetric ones name their key.
  const jwt = new SignJWT({ ...claims }).setProtectedHeader({ alg: config.JWT_ALGORITHM, typ: "JWT", ...(sign.kid ? { kid: sign.kid } : {}) });
  if (config.JWT_ISSUER) jwt.setIssuer(config.JWT_ISSUER);
  if (config.JWT_AUDIENCE) jwt.setAudience(config.JWT_AUDIENCE);
  const token = await jwt.sign(sign.key);
  return { token, claims };
}

/**
 * Checks signature, algorithm, exp/nbf/iat (with LEEWAY), issuer, audience and the claims
 * simplejwt requires. With `expected`, a token of the other type is refused.
 */
export async function verifyToken(config: Config, token: string, expected?: TokenType): Promise<TokenClaims> {
  const claims = verifiedCache(config).get(token) ?? (await verifySignatureAndClaims(config, token));
  // Checked on every use, cached or not: the cache only spares the signature check.
  if (claims.exp <= Date.now() / 1000 - config.LEEWAY) throw tokenInvalid();
  if (expected && claims.token_type !== expected) throw tokenWrongType();
  return claims;
}

/**
 * Tokens whose signature and claims already passed, by their exact bytes, per config (so
 * per key set: a changed key starts an empty cache). A front end sends the same access
 * token for minutes; this spares the signature check on all but the first. Only the
 * expiry can change a verified token's validity, and verifyToken checks it every time.
 */
const verifiedCache = memo((_config: Config) => new Map<string, TokenClaims>());
const MAX_VERIFIED = 1000;

async function verifySignatureAndClaims(config: Config, token: string): Promise<TokenClaims> {
  let payload: Record<string, unknown>;
  const { verify } = await keyring(config);
  // HS256 has one key whatever the header says; asymmetric tokens must name a listed kid.
  const keyFor = (header: { kid?: string }) => {
    const key = verify.get(config.JWT_ALGORITHM === "HS256" ? undefined : header.kid);
    if (!key) throw tokenInvalid();
    return key;
  };
  try {
    ({ payload } = await jwtVerify(token, keyFor, {
      algorithms: [config.JWT_ALGORITHM],
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      clockTolerance: config.LEEWAY,
      requiredClaims: ["exp", "jti", "token_type"],
    }));
  } catch (err) {
    if (err instanceof joseErrors.JOSEError || err instanceof TypeError || err instanceof AppError) throw tokenInvalid();
    throw err;
  }
  const claims = toClaims(payload);
  // jose only bounds iat with maxTokenAge; a token from the future is forged or from a skewed clock.
  if (claims.iat > Date.now() / 1000 + config.LEEWAY) throw tokenInvalid();
  const cache = verifiedCache(config);
  if (cache.size >= MAX_VERIFIED) cache.delete(cache.keys().next().value!);
  cache.set(token, claims);
  return claims;
}

function toClaims(p: Record<string, unknown>): TokenClaims {
  const type = p.token_type;
  const userId = typeof p.user_id === "string" && /^\d+$/.test(p.user_id) ? Number(p.user_id) : p.user_id;
  if (
    (type !== "access" && type !== "refresh") ||
    typeof p.jti !== "string" ||
    typeof p.exp !== "number" ||
    !Number.isSafeInteger(userId) ||
    (p.sid !== undefined && typeof p.sid !== "string") ||
    (p.gen !== undefined && (!Number.isSafeInteger(p.gen) || (p.gen as number) < 0))
  ) {
    throw tokenInvalid();
  }
  return {
    token_type: type,
    exp: p.exp,
    iat: typeof p.iat === "number" ? p.iat : 0,
    jti: p.jti,
    user_id: userId as number,
    ...(typeof p.sid === "string" ? { sid: p.sid } : {}),
    ...(typeof p.gen === "number" ? { gen: p.gen } : {}),
    ...(typeof p.bm === "string" && p.bm.length <= 128 ? { bm: p.bm } : {}),
    ...(Array.isArray(p.amr) && p.amr.every((m) => typeof m === "string") ? { amr: p.amr as string[] } : {}),
    ...(Number.isSafeInteger(p.auth_time) ? { auth_time: p.auth_time as number } : {}),
  };
}

// From the pseudonym key material (PSEUDONYM_KEY, or derived from the signing material)
// under its own label: with PSEUDONYM_KEY set, a signing-key rotation keeps token ids valid.
const tokenIdKey = memo((config: Config) => hkdf(sha256, config.logKey, undefined, new TextEncoder().encode("edge-auth token ids v1"), 32));

/**
 * The jti of a session's token of one generation: an HMAC over (session, generation, type),
 * so every racing refresh mints the same token, and no one without the key can compute it.
 */
export const generationJti = (config: Config, sessionId: string, generation: number, type: TokenType) =>
  toHex(hmac(sha256, tokenIdKey(config), new TextEncoder().encode(`${sessionId}:${generation}:${type}`))).slice(0, 32);

/** Whether a token of a session generation carries the jti only this worker could have given it. */
export const isGenuineGeneration = (config: Config, claims: TokenClaims) =>
  claims.sid !== undefined && claims.gen !== undefined && claims.jti === generationJti(config, claims.sid, claims.gen, claims.token_type);

/**
 * Ids derived from a token's jti: the successors of a rotated token (so every racing
 * refresh mints the same ones) and the session of an adopted simplejwt token.
 */
export const deriveId = (jti: string, purpose: TokenType | "session") => sha256Hex(`${purpose}:${jti}`).slice(0, 32);

/** The database key of a refresh token: a hash, so a database leak yields no usable token. */
export const jtiKey = (jti: string) => sha256Hex(`jti:${jti}`);
