import { and, desc, eq, gt, isNull, lt, ne, sql, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { memo } from "../../kernel/memo";
import type { Db } from "../../kernel/storage";
import { credentialsChanged, users } from "../users";
import { refreshTokens, sessions } from "./schema";

export interface NewSession {
  sessionId: string;
  userId: number;
  now: Date;
  expiresAt: Date;
  userAgent: string | null;
  country: string | null;
}

/**
 * A login: the session row, plus any extra writes, in one batch. The session is inserted
 * only while, on the primary, the account is active and its password version and MFA state
 * are the ones the login checked: a login that read a stale replica, or raced a reset, a
 * deactivation or MFA being enabled, cannot leave a session behind (if it lands first, that
 * change's batch revokes it). Returns whether the session was made.
 */
export async function startSession(
  db: Db,
  s: NewSession & { passwordVersion: number; mfaEnabled: boolean; amr?: string[] },
  extra: BatchItem<"sqlite">[] = [],
): Promise<boolean> {
  const now = s.now.getTime();
  const [created] = await db.batch([
    db.insert(sessions).select(
      db
        .select({
          id: sql<string>`${s.sessionId}`.as("id"),
          userId: users.id,
          createdAt: sql<number>`${now}`.as("created_at"),
          lastUsedAt: sql<number>`${now}`.as("last_used_at"),
          expiresAt: sql<number>`${s.expiresAt.getTime()}`.as("expires_at"),
          userAgent: sql<string | null>`${s.userAgent}`.as("user_agent"),
          country: sql<string | null>`${s.country}`.as("country"),
          revokedAt: sql<null>`null`.as("revoked_at"),
          revokedReason: sql<null>`null`.as("revoked_reason"),
          passwordFailures: sql<number>`0`.as("password_failures"),
          generation: sql<number>`0`.as("generation"),
          rotatedAt: sql<null>`null`.as("rotated_at"),
          refreshable: sql<number>`1`.as("refreshable"),
          amr: sql<string | null>`${s.amr ? JSON.stringify(s.amr) : null}`.as("amr"),
          authTime: sql<number>`${now}`.as("auth_time"),
        })
        .from(users)
        .where(and(eq(users.id, s.userId), eq(users.isActive, true), eq(users.passwordVersion, s.passwordVersion), eq(users.mfaEnabled, s.mfaEnabled))),
    ),
    ...extra,
  ]);
  return created.meta.changes === 1;
}

/** The session of a simplejwt refresh token from before the move; a no-op when racing first uses already made it. */
export async function adoptSession(db: Db, s: NewSession) {
  await db
    .insert(sessions)
    .values({ id: s.sessionId, userId: s.userId, createdAt: s.now, lastUsedAt: s.now, expiresAt: s.expiresAt, userAgent: s.userAgent, country: s.country })
    .onConflictDoNothing();
}

const p = sql.placeholder;

/** The reads of authentication, verification and unusual refreshes, prepared once per Db. */
const prepared = memo((db: Db) => ({
  sessionState: db
    .select({
      userId: sessions.userId,
      generation: sessions.generation,
      rotatedAt: sessions.rotatedAt,
      revokedAt: sessions.revokedAt,
      expiresAt: sessions.expiresAt,
      createdAt: sessions.createdAt,
      refreshable: sessions.refreshable,
      isActive: users.isActive,
      amr: sessions.amr,
      authTime: sessions.authTime,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.id, p("sessionId")))
    .prepare(),
  refreshRecord: db
    .select({
      sessionId: refreshTokens.sessionId,
      userId: refreshTokens.userId,
      expiresAt: refreshTokens.expiresAt,
      rotatedAt: refreshTokens.rotatedAt,
    })
    .from(refreshTokens)
    .where(eq(refreshTokens.jtiHash, p("jtiHash")))
    .prepare(),
  userWithSession: db
    .select({ user: users, sessionUserId: sessions.userId, sessionRevokedAt: sessions.revokedAt })
    .from(users)
    .leftJoin(sessions, and(eq(sessions.id, p("sessionId")), eq(sessions.userId, users.id)))
    .where(eq(users.id, p("userId")))
    .prepare(),
}));

export type SessionState = NonNullable<Awaited<ReturnType<typeof findSessionState>>>;

/** What decides whether a session's tokens may still be used: generation, rotation, revocation, expiry, the user's state. */
export async function findSessionState(db: Db, sessionId: string) {
  return prepared(db).sessionState.get({ sessionId });
}

/** A refresh token issued before sessions carried their generation, by the hash of its jti. */
export async function findRefreshRecord(db: Db, jtiHash: string) {
  return prepared(db).refreshRecord.get({ jtiHash });
}

/**
 * The user and, when the token names one, its session, in one round trip: every
 * authenticated request pays this query and nothing else.
 */
export async function findUserWithSession(db: Db, userId: number, sessionId: string | undefined) {
  return prepared(db).userWithSession.get({ userId, sessionId: sessionId ?? "" });
}

export interface Rotation {
  sessionId: string;
  userId: number;
  /** The generation the presented token belongs to. */
  generation: number;
  now: number;
  expiresAt: number;
  /** Sessions created at or before this (SESSION_MAX_AGE) are not refreshed; -1: no bound. */
  createdAfter: number;
}

// Built by Drizzle once per Db; each refresh only binds its values. `atLeast` accepts any
// generation up to the current one (BLACKLIST_AFTER_ROTATION=false: old tokens stay valid).
const rotationStatement = memo((db: Db) => {
  const build = (matches: SQL) => {
    const q = db
      .update(sessions)
      .set({
        generation: sql`${sessions.generation} + 1`,
        rotatedAt: sql`${p("now")}`,
        lastUsedAt: sql`${p("now")}`,
        expiresAt: sql`${p("expiresAt")}`,
      })
      .where(
        and(
          eq(sessions.id, p("sessionId")),
          eq(sessions.userId, p("userId")),
          matches,
          isNull(sessions.revokedAt),
          eq(sessions.refreshable, true),
          gt(sessions.expiresAt, p("now")),
          gt(sessions.createdAt, p("createdAfter")),
          sql`exists (select 1 from ${users} where ${users.id} = ${p("userId")} and ${users.isActive} = 1)`,
        ),
      )
      .returning({ generation: sessions.generation, amr: sessions.amr, authTime: sessions.authTime, createdAt: sessions.createdAt })
      .prepare();
    return q;
  };
  return {
    exact: build(eq(sessions.generation, p("generation"))),
    atLeast: build(sql`${sessions.generation} >= ${p("generation")}`),
  };
});

/**
 * A rotation: one conditional UPDATE of the session row, decided by D1. It applies only if
 * the token's generation is the live one (and the session, its user and its age allow a
 * refresh); of racing refreshes exactly one moves the generation on. Returns the new
 * generation (with the session's sign-in, for its tokens), or null when the token was not the live one.
 */
export async function rotateSession(db: Db, r: Rotation, keepOlder = false) {
  const q = keepOlder ? rotationStatement(db).atLeast : rotationStatement(db).exact;
  const row = await q.get({ ...r });
  return row ?? null;
}

/**
 * A refresh token from before sessions had generations, used for the first time: it is
 * retired, and its session moves to the next generation, in one batch (the session update
 * applies only if this call retired the token). Returns the new generation, or null.
 */
export async function rotateRecordedToken(db: Db, jtiHash: string, r: Omit<Rotation, "generation">): Promise<number | null> {
  const [, moved] = await db.batch([
    db
      .update(refreshTokens)
      .set({ rotatedAt: new Date(r.now) })
      .where(and(eq(refreshTokens.jtiHash, jtiHash), isNull(refreshTokens.rotatedAt), gt(refreshTokens.expiresAt, new Date(r.now)))),
    db
      .update(sessions)
      .set({ generation: sql`${sessions.generation} + 1`, rotatedAt: new Date(r.now), lastUsedAt: new Date(r.now), expiresAt: new Date(r.expiresAt) })
      .where(
        and(
          eq(sessions.id, r.sessionId),
          eq(sessions.userId, r.userId),
          isNull(sessions.revokedAt),
          eq(sessions.refreshable, true),
          gt(sessions.createdAt, new Date(r.createdAfter)),
          sql`exists (select 1 from ${refreshTokens} where ${refreshTokens.jtiHash} = ${jtiHash} and ${refreshTokens.rotatedAt} = ${r.now})`,
        ),
      )
      .returning({ generation: sessions.generation }),
  ]);
  return moved[0]?.generation ?? null;
}

export async function touchSession(db: Db, sessionId: string, now: Date) {
  await db.update(sessions).set({ lastUsedAt: now }).where(eq(sessions.id, sessionId));
}

export function revokeSessionStatement(db: Db, sessionId: string, reason: string, now: Date, userId?: number) {
  return db
    .update(sessions)
    .set({ revokedAt: now, revokedReason: reason })
    .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt), userId === undefined ? undefined : eq(sessions.userId, userId)))
    .returning({ id: sessions.id });
}

/** `onlyIf`: a condition the revocation also needs, so it can join a batch whose first write may not apply. */
export function revokeUserSessionsStatement(db: Db, userId: number, reason: string, now: Date, exceptSessionId?: string, onlyIf?: SQL) {
  return db
    .update(sessions)
    .set({ revokedAt: now, revokedReason: reason })
    .where(
      and(
        eq(sessions.userId, userId),
        isNull(sessions.revokedAt),
        exceptSessionId === undefined ? undefined : ne(sessions.id, exceptSessionId),
        onlyIf,
      ),
    )
    .returning({ id: sessions.id });
}

/**
 * Signs a user out everywhere (or everywhere but `keepSessionId`), including tokens minted by
 * simplejwt before the move, which have no session: those issued before now die too.
 */
export async function revokeAllUserSessions(db: Db, userId: number, reason: string, now: Date, keepSessionId?: string) {
  const [revoked] = await db.batch([
    revokeUserSessionsStatement(db, userId, reason, now, keepSessionId),
    credentialsChanged(db, userId, "logout_all", now),
  ]);
  return revoked.length;
}

/**
 * Counts a wrong current password offered by a session's bearer; at `limit` the same
 * statement revokes the session, so a stolen access token gets only that many guesses.
 * Returns whether the session is now revoked.
 */
export async function recordPasswordFailure(db: Db, sessionId: string, now: Date, limit: number): Promise<boolean> {
  const reached = sql`${sessions.passwordFailures} + 1 >= ${limit}`;
  const rows = await db
    .update(sessions)
    .set({
      passwordFailures: sql`${sessions.passwordFailures} + 1`,
      revokedAt: sql`case when ${reached} then ${now.getTime()} else ${sessions.revokedAt} end`,
      revokedReason: sql`case when ${reached} then 'password_guessing' else ${sessions.revokedReason} end`,
    })
    .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)))
    .returning({ revokedAt: sessions.revokedAt });
  return rows[0]?.revokedAt != null;
}

/**
 * Ends a session's refreshes but lets it live until its current access token expires: the
 * caller of a password change stays signed in for at most one access lifetime.
 */
function endSessionRefreshStatements(db: Db, sessionId: string, until: Date, onlyIf?: SQL) {
  return [db.update(sessions).set({ refreshable: false, expiresAt: until }).where(and(eq(sessions.id, sessionId), onlyIf))] as const;
}

export async function listLiveSessions(db: Db, userId: number, now: Date) {
  return db
    .select()
    .from(sessions)
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)))
    .orderBy(desc(sessions.lastUsedAt))
    .all();
}

/**
 * Deletes rows that expired before `before`, at most `limit` per statement so one
 * scheduled run stays inside a Worker's limits; returns how many went.
 */
export async function deleteExpired(db: Db, before: Date, limit: number) {
  const [tokens, sess] = await db.batch([
    db.delete(refreshTokens).where(
      sql`${refreshTokens.jtiHash} in (select ${refreshTokens.jtiHash} from ${refreshTokens} where ${lt(refreshTokens.expiresAt, before)} limit ${limit})`,
    ),
    db.delete(sessions).where(
      sql`${sessions.id} in (select ${sessions.id} from ${sessions} where ${lt(sessions.expiresAt, before)} limit ${limit})`,
    ),
  ]);
  return { refreshTokens: tokens.meta.changes, sessions: sess.meta.changes };
}

export interface NewPassword {
  userId: number;
  /** The password version the caller read: a reset link's, or the changing user's. */
  expectedVersion: number;
  hash: string;
  now: Date;
  reason: "password_changed" | "password_reset";
  /** A password change keeps the caller's session until its access token expires. */
  keep?: { sessionId: string; until: Date };
}

/**
 * Sets a new password and ends the user's sessions in one D1 batch, so no failure between
 * two calls can leave the old sessions alive. The password update is conditional on the
 * version the caller saw: a reset link and a password change race on it and exactly one
 * wins. The session writes apply only if this batch's hash is the one now stored, so a
 * loser revokes nothing. Returns whether this call won.
 */
export async function replacePasswordEndingSessions(db: Db, p: NewPassword): Promise<boolean> {
  const won = sql`exists (select 1 from ${users} where ${users.id} = ${p.userId} and ${users.password} = ${p.hash})`;
  const [updated] = await db.batch([
    db
      .update(users)
      .set({ password: p.hash, passwordVersion: p.expectedVersion + 1, passwordChangedAt: p.now, updatedAt: p.now })
      .where(and(eq(users.id, p.userId), eq(users.passwordVersion, p.expectedVersion)))
      .returning({ id: users.id }),
    credentialsChanged(db, p.userId, p.reason, p.now, won),
    revokeUserSessionsStatement(db, p.userId, p.reason, p.now, p.keep?.sessionId, won),
    ...(p.keep ? endSessionRefreshStatements(db, p.keep.sessionId, p.keep.until, won) : []),
  ]);
  return updated.length === 1;
}
