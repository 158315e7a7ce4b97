import { and, eq, sql } from "drizzle-orm";
import { memo } from "../../kernel/memo";
import type { Db } from "../../kernel/storage";
import { endSessionRefreshStatements, revokeUserSessionsStatement } from "../sessions/store";
import { credentialsChanged } from "./credentials";
import { users, type NewUser, type User } from "./schema";

/**
 * The hot reads, built and prepared once per Db (so once per isolate): Drizzle's query
 * building is a large share of an authenticated request's CPU when done per call.
 */
const prepared = memo((db: Db) => {
  const p = sql.placeholder;
  return {
    byEmail: db
      .select()
      .from(users)
      .where(sql`lower(${users.email}) = lower(${p("email")})`)
      .prepare(),
    byId: db.select().from(users).where(eq(users.id, p("id"))).prepare(),
  };
});

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

/** Stores a stronger hash of the same password (imported or older cost); the version stays. */
export function rehashStatement(db: Db, id: number, oldHash: string, hash: string) {
  return db.update(users).set({ password: hash }).where(and(eq(users.id, id), eq(users.password, oldHash)));
}

export function touchLastLoginStatement(db: Db, id: number, now: Date) {
  return db.update(users).set({ lastLogin: now }).where(eq(users.id, id));
}
