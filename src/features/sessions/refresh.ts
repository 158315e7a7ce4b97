import type { Deps } from "../../kernel/deps";
import { isGenuineGeneration, jtiKey, mintToken, verifyToken, type TokenClaims } from "../tokens";
import { tokenInvalid } from "../tokens";
import { generationPair, locateRefreshToken, revokeFamily, sessionCreatedAfter, signedInOf, withinReuseWindow, type TokenPair } from "./service";
import { findRefreshRecord, findSessionState, rotateRecordedToken, rotateSession, touchSession, type SessionState } from "./store";

type RefreshResult = { access: string; refresh?: string };

/**
 * The bookmark successors carry: the one the session's creation wrote, unchanged through the
 * chain, so racing refreshes still mint identical tokens. Tokens from before bookmarks (and
 * simplejwt's) pass none on: their sessions are old enough to be on every replica, except an
 * adoption a moment ago, whose first profile read may then need the primary's answer.
 */
const bookmarkOf = (claims: TokenClaims) => claims.bm;

/**
 * simplejwt's TokenRefreshView with rotation and reuse detection. A refresh token is a
 * (session, generation); a rotation moves the session row to the next generation in one
 * conditional UPDATE and inserts nothing. A retired generation shown again within
 * REFRESH_REUSE_INTERVAL gets the same successor (two tabs refreshing at once); later, it is
 * a replay of a stolen token and the whole session is revoked. With SESSION_MAX_AGE, a
 * session older than that is not refreshed, however recently rotated.
 */
export async function refreshSession(d: Deps, token: string): Promise<RefreshResult> {
  const claims = await verifyToken(d.config, token, "refresh");
  // Issued before sessions had generations: honoured through its record until it expires.
  if (claims.sid && claims.gen === undefined) return refreshRecorded(d, claims);
  const cfg = d.config;
  const now = Date.now();
  const rotation = {
    userId: claims.user_id,
    now,
    expiresAt: (Math.floor(now / 1000) + cfg.REFRESH_TOKEN_LIFETIME) * 1000,
    createdAfter: sessionCreatedAfter(cfg, now),
  };
  if (cfg.ROTATE_REFRESH_TOKENS && claims.sid && isGenuineGeneration(cfg, claims)) {
    // The usual refresh: one statement. Anything unusual falls through to the read below.
    const next = await rotateSession(d.db, { ...rotation, sessionId: claims.sid, generation: claims.gen! }, !cfg.BLACKLIST_AFTER_ROTATION);
    if (next !== null) return generationPair(d, claims.user_id, claims.sid, next.generation, Math.floor(now / 1000), bookmarkOf(claims), signedInOf(next));
  }
  const found = await locateRefreshToken(d, claims, true);
  const state = found?.state;
  if (!found || !state || !usable(state, claims, rotation)) throw tokenInvalid();
  const { sessionId, generation } = found;

  if (!cfg.ROTATE_REFRESH_TOKENS) {
    if (generation !== state.generation && cfg.BLACKLIST_AFTER_ROTATION) throw tokenInvalid();
    d.defer(touchSession(d.db, sessionId, new Date(now)));
    const access = await mintToken(cfg, { type: "access", userId: claims.user_id, sessionId, ...signedInOf(state) });
    return { access: access.token };
  }
  if (generation < state.generation) {
    if (withinReuseWindow(cfg, state, generation, now)) {
      return generationPair(d, claims.user_id, sessionId, state.generation, Math.floor(state.rotatedAt!.getTime() / 1000), bookmarkOf(claims), signedInOf(state));
    }
    if (cfg.BLACKLIST_AFTER_ROTATION) {
      await revokeFamily(d, sessionId, claims.user_id, "refresh_token_reuse");
      throw tokenInvalid();
    }
  }
  // A simplejwt token adopted just now (its generation 0 is live): rotate it like any other.
  const next = await rotateSession(d.db, { ...rotation, sessionId, generation }, !cfg.BLACKLIST_AFTER_ROTATION);
  if (next !== null) return generationPair(d, claims.user_id, sessionId, next.generation, Math.floor(now / 1000), bookmarkOf(claims), signedInOf(next));
  // Another first use of the same token rotated it in between: it gets that successor.
  const after = await findSessionState(d.db, sessionId);
  if (after && usable(after, claims, rotation) && withinReuseWindow(cfg, after, generation, Date.now())) {
    return generationPair(d, claims.user_id, sessionId, after.generation, Math.floor(after.rotatedAt!.getTime() / 1000), bookmarkOf(claims), signedInOf(after));
  }
  throw tokenInvalid();
}

/** Whether the session still lets this user refresh at all (reuse aside). */
function usable(state: SessionState, claims: TokenClaims, r: { now: number; createdAfter: number }) {
  return (
    state.userId === claims.user_id &&
    !state.revokedAt &&
    state.refreshable &&
    state.isActive &&
    state.expiresAt.getTime() > r.now &&
    state.createdAt.getTime() > r.createdAfter
  );
}

/**
 * A refresh token issued before sessions carried generations (it has a session id but no
 * generation): its record decides, as the old scheme did; its successor is of the new scheme.
 */
async function refreshRecorded(d: Deps, claims: TokenClaims, raced = false): Promise<RefreshResult> {
  const cfg = d.config;
  const now = Date.now();
  const jtiHash = jtiKey(claims.jti);
  const record = await findRefreshRecord(d.db, jtiHash);
  const state = record && (await findSessionState(d.db, record.sessionId));
  const createdAfter = sessionCreatedAfter(cfg, now);
  if (!record || !state || record.userId !== claims.user_id || record.expiresAt.getTime() <= now || !usable(state, claims, { now, createdAfter })) {
    throw tokenInvalid();
  }
  const { sessionId } = record;
  if (!cfg.ROTATE_REFRESH_TOKENS) {
    d.defer(touchSession(d.db, sessionId, new Date(now)));
    return { access: (await mintToken(cfg, { type: "access", userId: claims.user_id, sessionId, ...signedInOf(state) })).token };
  }
  if (record.rotatedAt) {
    // Its retirement moved the session to the generation it minted; racers within the window get that pair.
    const sameRotation = state.rotatedAt?.getTime() === record.rotatedAt.getTime();
    if (sameRotation && now - record.rotatedAt.getTime() <= cfg.REFRESH_REUSE_INTERVAL * 1000) {
      return generationPair(d, claims.user_id, sessionId, state.generation, Math.floor(record.rotatedAt.getTime() / 1000), bookmarkOf(claims), signedInOf(state));
    }
    await revokeFamily(d, sessionId, claims.user_id, "refresh_token_reuse");
    throw tokenInvalid();
  }
  const expiresAt = (Math.floor(now / 1000) + cfg.REFRESH_TOKEN_LIFETIME) * 1000;
  const next = await rotateRecordedToken(d.db, jtiHash, { sessionId, userId: claims.user_id, now, expiresAt, createdAfter });
  if (next !== null) return generationPair(d, claims.user_id, sessionId, next, Math.floor(now / 1000), bookmarkOf(claims), signedInOf(state));
  // A racer retired it first: answer as its twin (once; a second miss is a real refusal).
  if (!raced) return refreshRecorded(d, claims, true);
  throw tokenInvalid();
}
