import type { Deps } from "../../kernel/deps";
import { deriveId, jtiKey, mintToken, verifyToken, type TokenClaims } from "../tokens/jwt";
import { tokenInvalid } from "../tokens/messages";
import { adoptLegacyRefreshToken, revokeFamily, sessionCreatedAfter, type TokenPair } from "./service";
import { addRefreshToken, findRefreshRecord, rotateIfLive, rotateRefreshToken, touchSession } from "./store";

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

/**
 * simplejwt's TokenRefreshView with rotation and reuse detection. A retired token shown
 * again within REFRESH_REUSE_INTERVAL gets the same successor (two tabs refreshing at
 * once); later, it is a replay of a stolen token and the whole family is revoked. With
 * SESSION_MAX_AGE, a session older than that is not refreshed, however recently rotated.
 */
export async function refreshSession(d: Deps, token: string): Promise<{ access: string; refresh?: string }> {
  const claims = await verifyToken(d.config, token, "refresh");
  const jtiHash = jtiKey(claims.jti);
  const cfg = d.config;
  const createdAfter = sessionCreatedAfter(cfg, Date.now());
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
      sessionCreatedAfter: createdAfter,
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
    record.expiresAt.getTime() <= now ||
    record.sessionCreatedAt.getTime() <= createdAfter
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
