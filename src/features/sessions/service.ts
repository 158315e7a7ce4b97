import type { BatchItem } from "drizzle-orm/batch";
import type { Config } from "../../kernel/config";
import { randomHex } from "../../kernel/crypto";
import type { Deps } from "../../kernel/deps";
import { AppError } from "../../kernel/errors";
import { currentBookmark, startAtBookmark } from "../../kernel/storage";
import { type User } from "../users";
import { findUserById } from "../users";
import { deriveId, generationJti, isGenuineGeneration, jtiKey, mintToken, verifyToken, type TokenClaims } from "../tokens";
import { bearerTokenInvalid, tokenBlacklisted, tokenInvalid } from "../tokens";
import {
  adoptSession,
  findRefreshRecord,
  findSessionState,
  findUserWithSession,
  revokeSessionStatement,
  startSession,
  type SessionState,
} from "./store";

export interface TokenPair {
  refresh: string;
  access: string;
}

/** A session just opened: its first pair, and its id for the caller's events (nobody decodes the tokens for it). */
export interface OpenedSession {
  pair: TokenPair;
  sessionId: string;
}

/** The earliest creation time (ms) a session may have and still be refreshed: SESSION_MAX_AGE, or no bound. */
export const sessionCreatedAfter = (config: Config, now: number) => (config.SESSION_MAX_AGE ? now - config.SESSION_MAX_AGE * 1000 : -1);

/**
 * The pair of one generation of a session. Deterministic: the jtis come from (session,
 * generation) and the time from the rotation, so every racing refresh of the previous
 * generation mints exactly these tokens.
 */
export async function generationPair(
  d: Deps,
  userId: number,
  sessionId: string,
  generation: number,
  issuedAt: number,
  bookmark: string | undefined,
  signedIn: SignedIn,
): Promise<TokenPair> {
  const base = { userId, sessionId, issuedAt, bookmark };
  const [refresh, access] = await Promise.all([
    mintToken(d.config, { ...base, type: "refresh", generation, jti: generationJti(d.config, sessionId, generation, "refresh") }),
    mintToken(d.config, { ...base, type: "access", jti: generationJti(d.config, sessionId, generation, "access"), ...signedIn }),
  ]);
  return { refresh: refresh.token, access: access.token };
}

/** How a session was signed into, as its access tokens carry it (amr, auth_time in seconds). */
export interface SignedIn {
  amr?: string[];
  authTime?: number;
}

/** The session row's amr and auth_time, for its tokens; a session from before them has its creation as auth_time and no amr. */
export function signedInOf(row: { amr: string | null; authTime: Date | null; createdAt: Date }): SignedIn {
  let amr: unknown;
  try {
    amr = row.amr ? JSON.parse(row.amr) : undefined;
  } catch {
    amr = undefined;
  }
  const valid = Array.isArray(amr) && amr.every((m) => typeof m === "string");
  return { ...(valid ? { amr: amr as string[] } : {}), authTime: Math.floor((row.authTime ?? row.createdAt).getTime() / 1000) };
}

/**
 * A sign-in: a new session (refresh family) and its first pair; `extra` writes join the same
 * batch. Null when, on the primary, the account is no longer what the login checked: active,
 * with this password version and this MFA state (see startSession).
 * `amr` (how it was signed into) and the time are the session's: every access token of it carries them.
 */
export async function openSession(
  d: Deps,
  user: Pick<User, "id" | "passwordVersion" | "mfaEnabled">,
  extra: BatchItem<"sqlite">[],
  amr: string[],
): Promise<OpenedSession | null> {
  const now = Date.now();
  const sessionId = randomHex(16);
  const created = await startSession(
    d.db,
    {
      sessionId,
      userId: user.id,
      passwordVersion: user.passwordVersion,
      mfaEnabled: user.mfaEnabled,
      now: new Date(now),
      expiresAt: new Date((Math.floor(now / 1000) + d.config.REFRESH_TOKEN_LIFETIME) * 1000),
      userAgent: d.client.userAgent,
      country: d.client.country,
      amr,
    },
    extra,
  );
  // The bookmark of this write travels in the tokens (unchanged through rotations, so racers
  // still mint identical ones): a replica read with them sees at least this session.
  if (!created) return null;
  const signedIn = { amr, authTime: Math.floor(now / 1000) };
  return { pair: await generationPair(d, user.id, sessionId, 0, Math.floor(now / 1000), currentBookmark(), signedIn), sessionId };
}

export async function revokeFamily(d: Deps, sessionId: string, userId: number, reason: string) {
  await revokeSessionStatement(d.db, sessionId, reason, new Date());
  d.securityEvent(reason === "refresh_token_reuse" ? "refresh.reuse_detected" : "session.revoked", { userId, sessionId, detail: { reason } });
}

/**
 * A token minted by simplejwt (no session id) is honoured only while it is newer than the
 * account itself (a deleted Django user's id may belong to someone else now; the same second
 * counts as newer) and than the last credentials change that ends tokens (password change or
 * reset, MFA, deactivation, logout-all: account/credentials.ts; the same second counts as
 * older, iat having whole seconds). Never for a user with MFA on, or whose address must still
 * be verified under mandatory: a Django backend still holding the key cannot mint a way round them.
 */
function legacyTokenAlive(config: Config, user: User, claims: TokenClaims): boolean {
  const second = (d: Date | null) => (d ? Math.floor(d.getTime() / 1000) : -Infinity);
  return (
    user.isActive &&
    !user.mfaEnabled &&
    !(config.EMAIL_VERIFICATION === "mandatory" && !user.emailVerified) &&
    claims.iat >= second(user.createdAt) &&
    claims.iat > second(user.passwordChangedAt) &&
    claims.iat > second(user.tokensValidAfter)
  );
}

/** The session a simplejwt refresh token from before the move is adopted into: its generation 0. */
const legacySessionId = (claims: TokenClaims) => deriveId(claims.jti, "session");

/**
 * A refresh token minted by simplejwt before the move has no session here. Once its user
 * checks out, it gets a session whose id derives from its jti, so racing first uses all
 * adopt it into the same session, where it is generation 0 and rotates like any other.
 */
async function adoptLegacyRefreshToken(d: Deps, claims: TokenClaims): Promise<SessionState | undefined> {
  const sessionId = legacySessionId(claims);
  const existing = await findSessionState(d.db, sessionId);
  if (existing) return existing;
  const user = await findUserById(d.db, claims.user_id);
  if (!user || !legacyTokenAlive(d.config, user, claims)) return undefined;
  await adoptSession(d.db, {
    sessionId,
    userId: user.id,
    now: new Date(claims.iat * 1000),
    expiresAt: new Date(claims.exp * 1000),
    userAgent: d.client.userAgent,
    country: d.client.country,
  });
  d.log.event("legacy_token_adopted", { user_id: user.id, session: sessionId });
  return findSessionState(d.db, sessionId);
}

/** Where a refresh token stands: its session, and its generation there (pre-generation tokens: from their record). */
export async function locateRefreshToken(d: Deps, claims: TokenClaims, adopt: boolean) {
  if (claims.sid && claims.gen !== undefined) {
    // Signed, yet not a token this worker minted for that generation: a leaked key's forgery or a bug.
    if (!isGenuineGeneration(d.config, claims)) return undefined;
    return { sessionId: claims.sid, generation: claims.gen, state: await findSessionState(d.db, claims.sid) };
  }
  if (claims.sid) return undefined; // issued before generations: see refresh.ts's recorded path
  const state = adopt ? await adoptLegacyRefreshToken(d, claims) : await findSessionState(d.db, legacySessionId(claims));
  return { sessionId: legacySessionId(claims), generation: 0, state };
}

/**
 * Whether a retired generation may still be shown: the one just before the current, within
 * REFRESH_REUSE_INTERVAL of its retirement (two tabs refreshing at once).
 */
export function withinReuseWindow(config: Deps["config"], state: SessionState, generation: number, now: number): boolean {
  return generation === state.generation - 1 && state.rotatedAt !== null && now - state.rotatedAt.getTime() <= config.REFRESH_REUSE_INTERVAL * 1000;
}

/**
 * simplejwt's TokenBlacklistView, as a logout: the token's whole session ends. A simplejwt
 * token from before the move is adopted first, so that it too is revoked rather than left usable.
 */
export async function blacklistRefreshToken(d: Deps, token: string): Promise<void> {
  const claims = await verifyToken(d.config, token, "refresh");
  let sessionId: string | undefined;
  let revoked = true;
  if (claims.sid && claims.gen === undefined) {
    const record = await findRefreshRecord(d.db, jtiKey(claims.jti));
    const state = record && (await findSessionState(d.db, record.sessionId));
    if (record && state && record.userId === claims.user_id) [sessionId, revoked] = [record.sessionId, state.revokedAt !== null];
  } else {
    const found = await locateRefreshToken(d, claims, true);
    if (found?.state && found.state.userId === claims.user_id && found.generation <= found.state.generation) {
      [sessionId, revoked] = [found.sessionId, found.state.revokedAt !== null];
    }
  }
  if (!sessionId || revoked) throw tokenInvalid();
  await revokeFamily(d, sessionId, claims.user_id, "logout");
}

/** Why a session no longer honours a refresh token of `generation`, or null while it does. */
function refreshRefusal(config: Deps["config"], state: SessionState | undefined, userId: number, generation: number, now: number) {
  if (!state || state.userId !== userId || state.revokedAt || !state.refreshable || !state.isActive) return "revoked";
  if (generation > state.generation) return "unknown";
  if (generation < state.generation && config.BLACKLIST_AFTER_ROTATION && !withinReuseWindow(config, state, generation, now)) return "retired";
  return null;
}

/**
 * /api/token/verify/, as simplejwt's with its blacklist app: signature and claims first
 * (401), then storage: a refresh token that was blacklisted, retired past its reuse window
 * or whose session is revoked, and an access token whose session is revoked, are
 * "blacklisted" (400).
 */
export async function checkToken(d: Deps, token: string): Promise<void> {
  const claims = await verifyToken(d.config, token);
  startAtBookmark(claims.bm);
  const now = Date.now();
  if (claims.token_type === "refresh") {
    if (claims.sid && claims.gen === undefined) {
      const record = await findRefreshRecord(d.db, jtiKey(claims.jti));
      const state = record && (await findSessionState(d.db, record.sessionId));
      const retired = record?.rotatedAt && d.config.BLACKLIST_AFTER_ROTATION && now - record.rotatedAt.getTime() > d.config.REFRESH_REUSE_INTERVAL * 1000;
      if (!record || !state || retired || refreshRefusal(d.config, state, claims.user_id, state.generation, now)) throw tokenBlacklisted();
      return;
    }
    const found = await locateRefreshToken(d, claims, false);
    if (!found && claims.sid) throw tokenInvalid();
    if (found && (found.state || claims.sid)) {
      if (refreshRefusal(d.config, found.state, claims.user_id, found.generation, now)) throw tokenBlacklisted();
      return;
    }
  } else if (claims.sid) {
    const state = await findSessionState(d.db, claims.sid);
    // A deactivated user's access tokens stop at once, as authentication refuses them.
    if (!state || state.revokedAt || state.userId !== claims.user_id || !state.isActive) throw tokenBlacklisted();
    return;
  }
  // A simplejwt token from before the move that was never adopted: only the account decides.
  const user = await findUserById(d.db, claims.user_id);
  if (!user || !legacyTokenAlive(d.config, user, claims)) throw tokenBlacklisted();
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
  startAtBookmark(claims.bm);
  const row = await findUserWithSession(d.db, claims.user_id, claims.sid);
  if (!row || !row.user.isActive) throw bearerTokenInvalid();
  if (claims.sid ? row.sessionUserId !== row.user.id || row.sessionRevokedAt : !legacyTokenAlive(d.config, row.user, claims)) throw bearerTokenInvalid();
  return { user: row.user, claims };
}

/** When the session was signed into (a refresh never moves it); null for another user's or an unknown session. */
export async function findSessionSignedInAt(d: Deps, sessionId: string, userId: number): Promise<Date | null> {
  const state = await findSessionState(d.db, sessionId);
  return state && state.userId === userId ? (state.authTime ?? state.createdAt) : null;
}
