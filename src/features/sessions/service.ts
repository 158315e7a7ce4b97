import type { BatchItem } from "drizzle-orm/batch";
import type { Config } from "../../kernel/config";
import { randomHex } from "../../kernel/crypto";
import type { Deps } from "../../kernel/deps";
import { AppError } from "../../kernel/errors";
import type { User } from "../account/schema";
import { recordEvent } from "../audit/events";
import { findUserById } from "../account/store";
import { deriveId, jtiKey, mintToken, verifyToken, type TokenClaims } from "../tokens/jwt";
import { bearerTokenInvalid, tokenBlacklisted, tokenInvalid } from "../tokens/messages";
import { adoptSession, findRefreshRecord, findSession, findUserWithSession, revokeSessionStatement, startSession } from "./store";

export interface TokenPair {
  refresh: string;
  access: string;
}

/** The earliest creation time (ms) a session may have and still be refreshed: SESSION_MAX_AGE, or no bound. */
export const sessionCreatedAfter = (config: Config, now: number) => (config.SESSION_MAX_AGE ? now - config.SESSION_MAX_AGE * 1000 : -1);

/**
 * A login: a new session (refresh family) and its first pair; `extra` writes join the same
 * batch. Null when the user's password changed since the login read it (see startSession).
 * `amr` goes into the first access token only: refreshed access tokens do not carry it.
 */
export async function openSession(
  d: Deps,
  user: Pick<User, "id" | "passwordVersion">,
  extra: BatchItem<"sqlite">[] = [],
  amr?: string[],
): Promise<TokenPair | null> {
  const now = Date.now();
  const iat = Math.floor(now / 1000);
  const sessionId = randomHex(16);
  const [refresh, access] = await Promise.all([
    mintToken(d.config, { type: "refresh", userId: user.id, sessionId, issuedAt: iat }),
    mintToken(d.config, { type: "access", userId: user.id, sessionId, issuedAt: iat, amr }),
  ]);
  const created = await startSession(
    d.db,
    {
      sessionId,
      userId: user.id,
      passwordVersion: user.passwordVersion,
      jtiHash: jtiKey(refresh.claims.jti),
      now: new Date(now),
      expiresAt: new Date(refresh.claims.exp * 1000),
      userAgent: d.client.userAgent,
      country: d.client.country,
    },
    extra,
  );
  return created ? { refresh: refresh.token, access: access.token } : null;
}

export async function revokeFamily(d: Deps, sessionId: string, userId: number, reason: string) {
  await revokeSessionStatement(d.db, sessionId, reason, new Date());
  d.log.event("session_revoked", { session: sessionId, user_id: userId, reason });
  recordEvent(d, reason === "refresh_token_reuse" ? "refresh.reuse_detected" : "session.revoked", { userId, sessionId, detail: { reason } });
}

/**
 * A token minted by simplejwt before the move (no session id) is honoured only while it
 * is newer than the account itself (a deleted Django user's id may belong to someone else
 * now), than the last password change, and than the last logout-all.
 */
function legacyTokenAlive(user: User, claims: TokenClaims): boolean {
  const seconds = (d: Date | null, round: (n: number) => number) => (d ? round(d.getTime() / 1000) : 0);
  return (
    user.isActive &&
    claims.iat >= seconds(user.createdAt, Math.floor) &&
    claims.iat >= seconds(user.passwordChangedAt, Math.floor) &&
    claims.iat >= seconds(user.tokensValidAfter, Math.ceil)
  );
}

/**
 * A refresh token minted by simplejwt before the move has no record here. Once its user
 * checks out, it gets a session whose id derives from its jti, so racing first uses all
 * adopt it into the same session and then rotate it like any other token.
 */
export async function adoptLegacyRefreshToken(d: Deps, claims: TokenClaims, jtiHash: string) {
  const user = await findUserById(d.db, claims.user_id);
  if (!user || !legacyTokenAlive(user, claims)) return undefined;
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

/**
 * simplejwt's TokenBlacklistView, as a logout: the token's whole session ends. A simplejwt
 * token from before the move is adopted first, so that it too is revoked rather than left usable.
 */
export async function blacklistRefreshToken(d: Deps, token: string): Promise<void> {
  const claims = await verifyToken(d.config, token, "refresh");
  const jtiHash = jtiKey(claims.jti);
  let record = await findRefreshRecord(d.db, jtiHash);
  if (!record && !claims.sid) record = await adoptLegacyRefreshToken(d, claims, jtiHash);
  if (!record || record.userId !== claims.user_id || record.sessionRevokedAt) throw tokenInvalid();
  await revokeFamily(d, record.sessionId, claims.user_id, "logout");
}

/**
 * /api/token/verify/, as simplejwt's with its blacklist app: signature and claims first
 * (401), then storage: a refresh token that was blacklisted, retired past its reuse window
 * or whose session is revoked, and an access token whose session is revoked, are
 * "blacklisted" (400).
 */
export async function checkToken(d: Deps, token: string): Promise<void> {
  const claims = await verifyToken(d.config, token);
  if (claims.token_type === "refresh") {
    const record = await findRefreshRecord(d.db, jtiKey(claims.jti));
    if (record) {
      const retired = record.rotatedAt && d.config.BLACKLIST_AFTER_ROTATION && Date.now() - record.rotatedAt.getTime() > d.config.REFRESH_REUSE_INTERVAL * 1000;
      if (record.sessionRevokedAt || retired || record.userId !== claims.user_id) throw tokenBlacklisted();
      return;
    }
    // A token of ours without its record was ended with its session's refresh tokens (a password change).
    if (claims.sid) throw tokenBlacklisted();
  } else if (claims.sid) {
    const session = await findSession(d.db, claims.sid);
    if (!session || session.revokedAt || session.userId !== claims.user_id) throw tokenBlacklisted();
    return;
  }
  const user = await findUserById(d.db, claims.user_id);
  if (!user || !legacyTokenAlive(user, claims)) throw tokenBlacklisted();
}

export interface Authenticated {
  user: User;
  claims: TokenClaims;
}

/**
 * The bearer of an access token, checked in one D1 round trip: the user must be active,
 * the token's session alive; a token without a session (minted by simplejwt before the
 * move) must pass legacyTokenAlive.
 */
export async function authenticate(d: Deps, token: string): Promise<Authenticated> {
  let claims: TokenClaims;
  try {
    claims = await verifyToken(d.config, token, "access");
  } catch (err) {
    // simplejwt's authentication names no reason, whatever the view would have said.
    if (err instanceof AppError && err.code === "token_not_valid") throw bearerTokenInvalid();
    throw err;
  }
  const row = await findUserWithSession(d.db, claims.user_id, claims.sid);
  if (!row || !row.user.isActive) throw bearerTokenInvalid();
  if (claims.sid ? row.sessionUserId !== row.user.id || row.sessionRevokedAt : !legacyTokenAlive(row.user, claims)) throw bearerTokenInvalid();
  return { user: row.user, claims };
}
