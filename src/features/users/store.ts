import { and, eq, sql } from "drizzle-orm";
import { memo } from "../../kernel/memo";
import type { Db } from "../../kernel/storage";
import { users, type User } from "./schema";

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

/** Stores a stronger hash of the same password (imported or older cost); the version stays. */
export function rehashStatement(db: Db, id: number, oldHash: string, hash: string) {
  return db.update(users).set({ password: hash }).where(and(eq(users.id, id), eq(users.password, oldHash)));
}

export function touchLastLoginStatement(db: Db, id: number, now: Date) {
  return db.update(users).set({ lastLogin: now }).where(eq(users.id, id));
}
