import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../kernel/storage";
import { users } from "../users";
import { spentBy } from "../mailed-links";

/** Statements for a verified address: set email_verified where this batch spent the link. */
export function markVerifiedStatement(db: Db, userId: number, tokenHash: string, claim: string, now: Date) {
  return db
    .update(users)
    .set({ emailVerified: true, updatedAt: now })
    .where(and(eq(users.id, userId), spentBy(tokenHash, claim)))
    .returning({ id: users.id });
}

/**
 * The address change where this batch spent the link and nobody else holds the new address
 * (in any letter case): the unique index would refuse it, and a refused statement would fail
 * the whole batch, so the condition is checked in the same statement instead.
 */
export function changeEmailStatement(db: Db, userId: number, newEmail: string, tokenHash: string, claim: string, now: Date) {
  return db
    .update(users)
    .set({ email: newEmail, emailVerified: true, updatedAt: now })
    .where(
      and(
        eq(users.id, userId),
        spentBy(tokenHash, claim),
        sql`not exists (select 1 from ${users} as other where lower(other.email) = lower(${newEmail}) and other.id <> ${userId})`,
      ),
    )
    .returning({ id: users.id });
}
