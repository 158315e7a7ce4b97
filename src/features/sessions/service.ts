import type { BatchItem } from "drizzle-orm/batch";
import { randomHex } from "../../kernel/crypto";
import type { Deps } from "../../kernel/deps";
import { AppError } from "../../kernel/errors";
import { findUserById } from "../account/store";
import type { User } from "../account/schema";
import { deriveId, jtiKey, mintToken, verifyToken, type TokenClaims, type TokenType } from "../tokens/jwt";
import { bearerTokenInvalid, tokenInvalid } from "../tokens/messages";
import {
  addRefreshToken,
  adoptSession,
  findRefreshRecord,
  findUserWithSession,
  revokeSessionStatement,
  rotateIfLive,
  rotateRefreshToken,
  startSession,
  touchSession,
} from "./store";

export interface TokenPair {
  refresh: string;
  access: string;
}

const verify = (d: Deps, token: string, type?: TokenType) => verifyToken(d.config, token, type);

/**
 * A login: a new session (refresh family) and its first pair; `extra` writes join the same batch.
 * `amr` goes into the first access token only: refreshed access tokens do not carry it.
 */
export async function openSession(d: Deps, userId: number, extra: BatchItem<"sqlite">[] = [], amr?: string[]): Promise<TokenPair> {
  const now = Date.now();
  const iat = Math.floor(now / 1000);
  const sessionId = randomHex(16);
  const [refresh, access] = await Promise.all([
    mintToken(d.config, { type: "refresh", userId, sessionId, issuedAt: iat }),
    mintToken(d.config, { type: "access", userId, sessionId, issuedAt: iat, amr }),
  ]);
  await startSession(
    d.db,
    {
      sessionId,
      userId,
      jtiHash: jtiKey(refresh.claims.jti),
      now: new Date(now),
      expiresAt: new Date(refresh.claims.exp * 1000),
      userAgent: d.client.userAgent,
      country: d.client.country,
    },
    extra,
  );
  return { refresh: refresh.token, access: access.token };
}

/** The pair that replaces `jti`: derived from it and from the first rotation's time, so it is the same for every racer. */
async function successorPair(
  d: Deps,
  claims: TokenClaims,
  sessionId: string,
  rotatedAtMs: number,
  refreshJti = deriveId(claims.jti, "refresh"),
): Promise<TokenPair> {
  const issuedAt = Math.floor(rotatedAtMs / 1000);
  const [refresh, access] = await Promise.all([
    mintToken(d.config, { type: "refresh", userId: claims.user_id, sessionId, issuedAt, jti: refreshJti }),
    mintToken(d.config, { type: "access", userId: claims.user_id, sessionId, issuedAt, jti: deriveId(claims.jti, "access") }),
  ]);
  return { refresh: refresh.token, access: access.token };
}

async function revokeFamily(d: Deps, sessionId: string, userId: number, reason: string) {
  await revokeSessionStatement(d.db, sessionId, reason, new Date());
  d.log.event("session_revoked", { session: sessionId, user_id: userId, reason });
}

/**
 * simplejwt's TokenRefreshView with rotation and reuse detection. A retired token shown
 * again within REFRESH_REUSE_INTERVAL gets the same successor (two tabs refreshing at
 * once); later, it is a replay of a stolen token and the whole family is revoked.
 */
export async function refreshSession(d: Deps, token: string): Promise<{ access: string; refresh?: string }> {
  const claims = await verify(d, token, "refresh");
  const jtiHash = jtiKey(claims.jti);
  const cfg = d.config;
  if (cfg.ROTATE_REFRESH_TOKENS && cfg.BLACKLIST_AFTER_ROTATION) {
    // The usual refresh: one batch. Anything unusual falls through to the read below.
    const now = Date.now();
    const successorJti = deriveId(claims.jti, "refresh");
    const sessionId = await rotateIfLive(d.db, {
      jtiHash,
      successorHash: jtiKey(successorJti),
      userId: claims.user_id,
      now: new Date(now),
      expiresAt: new Date((Math.floor(now / 1000) + cfg.REFRESH_TOKEN_LIFETIME) * 1000),
    });
    if (sessionId) return successorPair(d, claims, sessionId, now, successorJti);
  }
  let record = await findRefreshRecord(d.db, jtiHash);
  if (!record && !claims.sid) record = await adoptLegacyRefreshToken(d, claims, jtiHash);
  const now = Date.now();
  if (
    !record ||
    record.userId !== claims.user_id ||
    record.sessionRevokedAt ||
    !record.isActive ||
    record.expiresAt.getTime() <= now
  ) {
    throw tokenInvalid();
  }
  const { sessionId } = record;

  if (!cfg.ROTATE_REFRESH_TOKENS) {
    d.defer(touchSession(d.db, sessionId, new Date(now)));
    const access = await mintToken(cfg, { type: "access", userId: claims.user_id, sessionId });
    return { access: access.token };
  }

  const interval = cfg.REFRESH_REUSE_INTERVAL * 1000;
  if (record.rotatedAt) {
    if (cfg.BLACKLIST_AFTER_ROTATION && now - record.rotatedAt.getTime() > interval) {
      await revokeFamily(d, sessionId, claims.user_id, "refresh_token_reuse");
      throw tokenInvalid();
    }
    if (cfg.BLACKLIST_AFTER_ROTATION) return successorPair(d, claims, sessionId, record.rotatedAt.getTime());
  }

  if (!cfg.BLACKLIST_AFTER_ROTATION) {
    // simplejwt without the blacklist: the old token stays valid, each use mints a fresh one.
    const iat = Math.floor(now / 1000);
    const [refresh, access] = await Promise.all([
      mintToken(cfg, { type: "refresh", userId: claims.user_id, sessionId, issuedAt: iat }),
      mintToken(cfg, { type: "access", userId: claims.user_id, sessionId, issuedAt: iat }),
    ]);
    await addRefreshToken(d.db, {
      successorHash: jtiKey(refresh.claims.jti),
      sessionId,
      userId: claims.user_id,
      now: new Date(now),
      expiresAt: new Date(refresh.claims.exp * 1000),
    });
    return { refresh: refresh.token, access: access.token };
  }

  const successorHash = jtiKey(deriveId(claims.jti, "refresh"));
  const expiresAt = new Date((Math.floor(now / 1000) + cfg.REFRESH_TOKEN_LIFETIME) * 1000);
  const rotatedAt = await rotateRefreshToken(d.db, { jtiHash, successorHash, sessionId, userId: claims.user_id, now: new Date(now), expiresAt });
  if (!rotatedAt) throw tokenInvalid();
  return successorPair(d, claims, sessionId, rotatedAt.getTime());
}

/**
 * A refresh token minted by simplejwt before the move has no record here. Once its user
 * checks out, it gets a session whose id derives from its jti, so racing first uses all
 * adopt it into the same session and then rotate it like any other token.
 */
async function adoptLegacyRefreshToken(d: Deps, claims: TokenClaims, jtiHash: string) {
  const user = await findUserById(d.db, claims.user_id);
  const changedAt = user?.passwordChangedAt ? Math.floor(user.passwordChangedAt.getTime() / 1000) : 0;
  if (!user || !user.isActive || claims.iat < changedAt) return undefined;
  const sessionId = deriveId(claims.jti, "session");
  await adoptSession(d.db, {
    sessionId,
    userId: user.id,
    jtiHash,
    now: new Date(claims.iat * 1000),
    expiresAt: new Date(claims.exp * 1000),
    userAgent: d.client.userAgent,
    country: d.client.country,
  });
  d.log.event("legacy_token_adopted", { user_id: user.id, session: sessionId });
  return findRefreshRecord(d.db, jtiHash);
}

/** simplejwt's TokenBlacklistView, as a logout: the token's whole session ends. */
export async function blacklistRefreshToken(d: Deps, token: string): Promise<void> {
  const claims = await verify(d, token, "refresh");
  const record = await findRefreshRecord(d.db, jtiKey(claims.jti));
  if (!record || record.userId !== claims.user_id || record.sessionRevokedAt) throw tokenInvalid();
  await revokeFamily(d, record.sessionId, claims.user_id, "logout");
}

/** /api/token/verify/: signature and claims only, no storage, as simplejwt's view. */
export async function checkToken(d: Deps, token: string): Promise<void> {
  await verify(d, token);
}

export interface Authenticated {
  user: User;
  claims: TokenClaims;
}

/**
 * The bearer of an access token, checked in one D1 round trip: the user must be active,
 * the token's session alive; a token without a session (minted by simplejwt before the
 * move) must be newer than the last password change.
 */
export async function authenticate(d: Deps, token: string): Promise<Authenticated> {
  let claims: TokenClaims;
  try {
    claims = await verify(d, token, "access");
  } catch (err) {
    // simplejwt's authentication names no reason, whatever the view would have said.
    if (err instanceof AppError && err.code === "token_not_valid") throw bearerTokenInvalid();
    throw err;
  }
  const row = await findUserWithSession(d.db, claims.user_id, claims.sid);
  if (!row || !row.user.isActive) throw bearerTokenInvalid();
  if (claims.sid) {
    if (row.sessionUserId !== row.user.id || row.sessionRevokedAt) throw bearerTokenInvalid();
  } else if (row.user.passwordChangedAt && claims.iat < Math.floor(row.user.passwordChangedAt.getTime() / 1000)) {
    throw bearerTokenInvalid();
  }
  return { user: row.user, claims };
}
