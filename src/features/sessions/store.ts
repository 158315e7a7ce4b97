import { and, desc, eq, fillPlaceholders, gt, isNull, lt, ne, sql, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { memo } from "../../kernel/memo";
import type { Db } from "../../kernel/storage";
import { users } from "../account/schema";
import { refreshTokens, sessions } from "./schema";

export interface NewSession {
  sessionId: string;
  userId: number;
  jtiHash: string;
  now: Date;
  expiresAt: Date;
  userAgent: string | null;
  country: string | null;
}

/**
 * A login: the session row and its first refresh token, plus any extra writes, in one
 * batch. The session is inserted only while the user's password version is still the one
 * the login checked, so a login that raced a reset or change and read the old password
 * cannot leave a session behind (if it lands first, the reset's batch revokes it). Returns
 * whether the session was made.
 */
export async function startSession(db: Db, s: NewSession & { passwordVersion: number }, extra: BatchItem<"sqlite">[] = []): Promise<boolean> {
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
        })
        .from(users)
        .where(and(eq(users.id, s.userId), eq(users.passwordVersion, s.passwordVersion))),
    ),
    db.insert(refreshTokens).select(
      db
        .select({
          jtiHash: sql<string>`${s.jtiHash}`.as("jti_hash"),
          sessionId: sessions.id,
          userId: sessions.userId,
          issuedAt: sql<number>`${now}`.as("issued_at"),
          expiresAt: sql<number>`${s.expiresAt.getTime()}`.as("expires_at"),
          rotatedAt: sql<null>`null`.as("rotated_at"),
        })
        .from(sessions)
        .where(eq(sessions.id, s.sessionId)),
    ),
    ...extra,
  ]);
  return created.meta.changes === 1;
}

/** Like startSession, but a no-op when the session or token is already there (idempotent adoption). */
export async function adoptSession(db: Db, s: NewSession) {
  await db.batch([
    db
      .insert(sessions)
      .values({ id: s.sessionId, userId: s.userId, createdAt: s.now, lastUsedAt: s.now, expiresAt: s.expiresAt, userAgent: s.userAgent, country: s.country })
      .onConflictDoNothing(),
    db
      .insert(refreshTokens)
      .values({ jtiHash: s.jtiHash, sessionId: s.sessionId, userId: s.userId, issuedAt: s.now, expiresAt: s.expiresAt })
      .onConflictDoNothing(),
  ]);
}

/** The reads of every authenticated request and unusual refresh, prepared once per Db. */
const prepared = memo((db: Db) => ({
  refreshRecord: db
    .select({
      sessionId: refreshTokens.sessionId,
      userId: refreshTokens.userId,
      expiresAt: refreshTokens.expiresAt,
      rotatedAt: refreshTokens.rotatedAt,
      sessionRevokedAt: sessions.revokedAt,
      sessionCreatedAt: sessions.createdAt,
      isActive: users.isActive,
    })
    .from(refreshTokens)
    .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
    .innerJoin(users, eq(users.id, refreshTokens.userId))
    .where(eq(refreshTokens.jtiHash, sql.placeholder("jtiHash")))
    .prepare(),
  session: db
    .select({ userId: sessions.userId, revokedAt: sessions.revokedAt })
    .from(sessions)
    .where(eq(sessions.id, sql.placeholder("sessionId")))
    .prepare(),
  userWithSession: db
    .select({ user: users, sessionUserId: sessions.userId, sessionRevokedAt: sessions.revokedAt })
    .from(users)
    .leftJoin(sessions, and(eq(sessions.id, sql.placeholder("sessionId")), eq(sessions.userId, users.id)))
    .where(eq(users.id, sql.placeholder("userId")))
    .prepare(),
}));

/** A refresh token's record with what decides whether it may still be used. */
export async function findRefreshRecord(db: Db, jtiHash: string) {
  return prepared(db).refreshRecord.get({ jtiHash });
}

/** Whose a session is and whether it was revoked: what token verification needs. */
export async function findSession(db: Db, sessionId: string) {
  return prepared(db).session.get({ sessionId });
}

/**
 * The user and, when the token names one, its session, in one round trip: every
 * authenticated request pays this query and nothing else.
 */
export async function findUserWithSession(db: Db, userId: number, sessionId: string | undefined) {
  return prepared(db).userWithSession.get({ userId, sessionId: sessionId ?? "" });
}

export interface Rotation {
  jtiHash: string;
  successorHash: string;
  sessionId: string;
  userId: number;
  now: Date;
  expiresAt: Date;
}

/**
 * Retires a refresh token and records its successor in one batch. COALESCE keeps the
 * first rotation's time, and RETURNING hands it to every racer, so all of them mint the
 * same successor; the successor insert of a loser is a no-op.
 */
export async function rotateRefreshToken(db: Db, r: Rotation): Promise<Date | null> {
  const [rotated] = await db.batch([
    db
      .update(refreshTokens)
      .set({ rotatedAt: sql`coalesce(${refreshTokens.rotatedAt}, ${r.now.getTime()})` })
      .where(eq(refreshTokens.jtiHash, r.jtiHash))
      .returning({ rotatedAt: refreshTokens.rotatedAt }),
    db
      .insert(refreshTokens)
      .values({ jtiHash: r.successorHash, sessionId: r.sessionId, userId: r.userId, issuedAt: r.now, expiresAt: r.expiresAt })
      .onConflictDoNothing(),
    db
      .update(sessions)
      .set({ lastUsedAt: r.now, expiresAt: r.expiresAt })
      .where(and(eq(sessions.id, r.sessionId), isNull(sessions.revokedAt))),
  ]);
  return rotated[0]?.rotatedAt ?? null;
}

/**
 * The common case of a refresh in one round trip: retire the token only if it is live (not
 * yet rotated, not expired, its session not revoked, its user active) and, in the same
 * batch, record its successor and touch the session, both conditional on that retirement
 * having happened at `now`. Returns the session id, or null when the token was not live
 * (the caller then reads the record to tell a racing tab from a replay or a dead token).
 */
export async function rotateIfLive(db: Db, r: Omit<Rotation, "sessionId"> & { sessionCreatedAfter: number }): Promise<string | null> {
  const batch = rotationBatch(db);
  const values = {
    jtiHash: r.jtiHash,
    successorHash: r.successorHash,
    userId: r.userId,
    now: r.now.getTime(),
    expiresAt: r.expiresAt.getTime(),
    createdAfter: r.sessionCreatedAfter,
  };
  const [retired] = await db.$client.batch(batch.map(({ stmt, params }) => stmt.bind(...fillPlaceholders(params, values))));
  return (retired?.results[0] as { session_id?: string } | undefined)?.session_id ?? null;
}

// The hottest write: Drizzle builds its SQL once per Db, not per request; D1 gets the three
// statements, bound to this refresh's values.
const rotationBatch = memo((db: Db) => {
  const p = (name: "jtiHash" | "successorHash" | "userId" | "now" | "expiresAt" | "createdAfter") => sql.placeholder(name);
  const retiredNow = sql`(select ${refreshTokens.sessionId} from ${refreshTokens} where ${refreshTokens.jtiHash} = ${p("jtiHash")} and ${refreshTokens.rotatedAt} = ${p("now")})`;
  const queries = [
    db
      .update(refreshTokens)
      .set({ rotatedAt: sql`${p("now")}` })
      .where(
        and(
          eq(refreshTokens.jtiHash, p("jtiHash")),
          eq(refreshTokens.userId, p("userId")),
          isNull(refreshTokens.rotatedAt),
          gt(refreshTokens.expiresAt, p("now")),
          sql`exists (select 1 from sessions where sessions.id = refresh_tokens.session_id and sessions.revoked_at is null and sessions.created_at > ${p("createdAfter")})`,
          sql`exists (select 1 from users where users.id = refresh_tokens.user_id and users.is_active = 1)`,
        ),
      )
      .returning({ sessionId: refreshTokens.sessionId }),
    db
      .insert(refreshTokens)
      .select(
        db
          .select({
            jtiHash: sql<string>`${p("successorHash")}`.as("jti_hash"),
            sessionId: refreshTokens.sessionId,
            userId: refreshTokens.userId,
            issuedAt: sql<number>`${p("now")}`.as("issued_at"),
            expiresAt: sql<number>`${p("expiresAt")}`.as("expires_at"),
            rotatedAt: sql<null>`null`.as("rotated_at"),
          })
          .from(refreshTokens)
          .where(and(eq(refreshTokens.jtiHash, p("jtiHash")), eq(refreshTokens.rotatedAt, p("now")))),
      )
      .onConflictDoNothing(),
    db
      .update(sessions)
      .set({ lastUsedAt: sql`${p("now")}`, expiresAt: sql`${p("expiresAt")}` })
      .where(sql`${sessions.id} = ${retiredNow}`),
  ];
  return queries.map((q) => {
    const { sql: text, params } = q.toSQL();
    return { stmt: db.$client.prepare(text), params };
  });
});

/** Records a new refresh token in a session without retiring the old one (BLACKLIST_AFTER_ROTATION=false). */
export async function addRefreshToken(db: Db, r: Omit<Rotation, "jtiHash">) {
  await db.batch([
    db.insert(refreshTokens).values({ jtiHash: r.successorHash, sessionId: r.sessionId, userId: r.userId, issuedAt: r.now, expiresAt: r.expiresAt }),
    db.update(sessions).set({ lastUsedAt: r.now, expiresAt: r.expiresAt }).where(eq(sessions.id, r.sessionId)),
  ]);
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
    db.update(users).set({ tokensValidAfter: now }).where(eq(users.id, userId)),
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
 * Ends a session's refresh tokens but lets it live until its current access token
 * expires: the caller of a password change stays signed in for at most one access lifetime.
 */
export function endSessionRefreshStatements(db: Db, sessionId: string, until: Date, onlyIf?: SQL) {
  return [
    db.delete(refreshTokens).where(and(eq(refreshTokens.sessionId, sessionId), onlyIf)),
    db.update(sessions).set({ expiresAt: until }).where(and(eq(sessions.id, sessionId), onlyIf)),
  ] as const;
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
