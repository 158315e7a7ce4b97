import { and, eq, sql } from "drizzle-orm";
import type { Db } from "./client";
import { sessions, users, type NewUser, type User } from "./schema";

/**
 * The hot reads, built and prepared once per Db (so once per isolate): Drizzle's query
 * building was a fifth of an authenticated request's CPU when done per call.
 */
function build(db: Db) {
  const p = sql.placeholder;
  return {
    byEmail: db
      .select()
      .from(users)
      .where(sql`lower(${users.email}) = lower(${p("email")})`)
      .prepare(),
    byId: db.select().from(users).where(eq(users.id, p("id"))).prepare(),
    withSession: db
      .select({ user: users, sessionUserId: sessions.userId, sessionRevokedAt: sessions.revokedAt })
      .from(users)
      .leftJoin(sessions, and(eq(sessions.id, p("sessionId")), eq(sessions.userId, users.id)))
      .where(eq(users.id, p("userId")))
      .prepare(),
  };
}
const preparedFor = new WeakMap<Db, ReturnType<typeof build>>();
function prepared(db: Db) {
  let q = preparedFor.get(db);
  if (!q) {
    q = build(db);
    preparedFor.set(db, q);
  }
  return q;
}

export async function findUserByEmail(db: Db, email: string): Promise<User | undefined> {
  return prepared(db).byEmail.get({ email });
}

export async function findUserById(db: Db, id: number): Promise<User | undefined> {
  return prepared(db).byId.get({ id });
}

/** Inserts unless the e-mail exists in any letter case; undefined then. Races resolve in the unique index. */
export async function insertUser(db: Db, values: NewUser): Promise<User | undefined> {
  const rows = await db.insert(users).values(values).onConflictDoNothing().returning();
  return rows[0];
}

/**
 * The user and, when the token names one, its session, in one round trip: every
 * authenticated request pays this query and nothing else.
 */
export async function findUserWithSession(db: Db, userId: number, sessionId: string | undefined) {
  return prepared(db).withSession.get({ userId, sessionId: sessionId ?? "" });
}

/**
 * Sets a new password only if the version is still the one the caller saw: a reset link
 * and a password change race on this one statement, and exactly one of them wins.
 */
export async function replacePassword(db: Db, id: number, expectedVersion: number, hash: string, now: Date) {
  const rows = await db
    .update(users)
    .set({ password: hash, passwordVersion: expectedVersion + 1, passwordChangedAt: now, updatedAt: now })
    .where(and(eq(users.id, id), eq(users.passwordVersion, expectedVersion)))
    .returning({ id: users.id });
  return rows.length === 1;
}

/** Stores a stronger hash of the same password (imported or older cost); the version stays. */
export function rehashStatement(db: Db, id: number, oldHash: string, hash: string) {
  return db.update(users).set({ password: hash }).where(and(eq(users.id, id), eq(users.password, oldHash)));
}

export function touchLastLoginStatement(db: Db, id: number, now: Date) {
  return db.update(users).set({ lastLogin: now }).where(eq(users.id, id));
}
