import { and, eq, gt, isNull, lt, lte, sql } from "drizzle-orm";
import type { Db } from "../../kernel/storage";
import { users } from "../users";
import { emailChallenges, type EmailChallenge } from "./schema";

/** Wrong answers after which a challenge is dead (the 5th kills it). */
const CHALLENGE_FAILURES = 5;

type NewChallenge = Omit<EmailChallenge, "failures" | "spentAt">;

/**
 * Stores a challenge as the only live one of its address: the older ones are deleted in the
 * same batch, so "a newer challenge kills older ones" holds the moment this one exists.
 */
export async function saveChallenge(db: Db, c: NewChallenge): Promise<void> {
  await db.batch([db.delete(emailChallenges).where(eq(emailChallenges.email, c.email)), db.insert(emailChallenges).values(c)]);
}

/** The challenge, if it can still be answered at `now`: not spent, not expired, fewer than 5 wrong answers. */
export async function findLiveChallenge(db: Db, idHash: string, now: Date): Promise<EmailChallenge | undefined> {
  return db.select().from(emailChallenges).where(and(eq(emailChallenges.idHash, idHash), live(now))).get();
}

const live = (now: Date) =>
  and(isNull(emailChallenges.spentAt), gt(emailChallenges.expiresAt, now), lt(emailChallenges.failures, CHALLENGE_FAILURES));

/**
 * Counts a wrong answer on a live challenge, in one conditional write (concurrent wrong answers
 * each count; none counts on a dead one). Returns whether it counted.
 */
export async function countWrongAnswer(db: Db, idHash: string, now: Date): Promise<boolean> {
  const result = await db
    .update(emailChallenges)
    .set({ failures: sql`${emailChallenges.failures} + 1` })
    .where(and(eq(emailChallenges.idHash, idHash), live(now)))
    .run();
  return result.meta.changes === 1;
}

/**
 * Spends a live challenge by its first right answer: one conditional UPDATE, so of two
 * concurrent uses exactly one wins. For a known account it also requires that the account's
 * credentials have not changed since the start (credentialsChanged kills the challenge).
 */
export async function spendChallenge(db: Db, c: Pick<EmailChallenge, "idHash" | "userId" | "credentialsVersion">, now: Date): Promise<boolean> {
  const unchanged =
    c.userId === null
      ? sql`1`
      : sql`exists (select 1 from ${users} where ${users.id} = ${c.userId} and ${users.credentialsVersion} = ${c.credentialsVersion})`;
  const result = await db
    .update(emailChallenges)
    .set({ spentAt: now })
    .where(and(eq(emailChallenges.idHash, c.idHash), live(now), unchanged))
    .run();
  return result.meta.changes === 1;
}

/** The code proved the address: an unverified account becomes verified. */
export async function markEmailVerified(db: Db, userId: number): Promise<void> {
  await db.update(users).set({ emailVerified: true }).where(and(eq(users.id, userId), eq(users.emailVerified, false)));
}

/** The daily cron: challenges expired before `before` go (at most `limit` a call). */
export async function deleteExpiredChallenges(db: Db, before: Date, limit: number): Promise<number> {
  const rows = await db
    .delete(emailChallenges)
    .where(sql`${emailChallenges.idHash} in (select ${emailChallenges.idHash} from ${emailChallenges} where ${lte(emailChallenges.expiresAt, before)} limit ${limit})`)
    .returning({ h: emailChallenges.idHash });
  return rows.length;
}
