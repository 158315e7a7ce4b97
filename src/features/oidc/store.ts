import { and, eq, lt, sql, type SQL } from "drizzle-orm";
import type { Db } from "../../kernel/storage";
import type { NewAccount } from "../sign-in";
import { users } from "../users";
import { identities, oidcAppCodes, oidcAttempts, type Identity, type OidcAppCode, type OidcAttempt } from "./schema";

export type NewAttempt = typeof oidcAttempts.$inferInsert;
export type NewAppCode = typeof oidcAppCodes.$inferInsert;

export async function saveAttempt(db: Db, attempt: NewAttempt): Promise<void> {
  await db.insert(oidcAttempts).values(attempt);
}

/**
 * Spends an attempt by deleting it: whatever the callback then finds wrong, the state is gone,
 * and of two concurrent callbacks with one state exactly one gets the row. Expiry is judged by
 * the caller on the returned row, so an expired state is spent too.
 */
export async function takeAttempt(db: Db, stateHash: string): Promise<OidcAttempt | undefined> {
  const rows = await db.delete(oidcAttempts).where(eq(oidcAttempts.stateHash, stateHash)).returning();
  return rows[0];
}

export async function saveAppCode(db: Db, code: NewAppCode): Promise<void> {
  await db.insert(oidcAppCodes).values(code);
}

/** Spends an app code on any use, right or wrong (the caller checks verifier, purpose, expiry). */
export async function takeAppCode(db: Db, codeHash: string): Promise<OidcAppCode | undefined> {
  const rows = await db.delete(oidcAppCodes).where(eq(oidcAppCodes.codeHash, codeHash)).returning();
  return rows[0];
}

/** The user an identity is linked to, if any. */
export async function findIdentity(db: Db, provider: string, subject: string): Promise<Identity | undefined> {
  const rows = await db
    .select()
    .from(identities)
    .where(and(eq(identities.provider, provider), eq(identities.subject, subject)))
    .limit(1);
  return rows[0];
}

/** The daily cleanup: expired attempts and app codes, at most `limit` of each. */
export async function deleteExpiredCeremonies(db: Db, before: Date, limit: number): Promise<{ oidc_attempts: number; oidc_app_codes: number }> {
  const [attempts, codes] = await db.batch([
    db
      .delete(oidcAttempts)
      .where(sql`${oidcAttempts.stateHash} in (select ${oidcAttempts.stateHash} from ${oidcAttempts} where ${lt(oidcAttempts.expiresAt, before)} limit ${limit})`)
      .returning({ h: oidcAttempts.stateHash }),
    db
      .delete(oidcAppCodes)
      .where(sql`${oidcAppCodes.codeHash} in (select ${oidcAppCodes.codeHash} from ${oidcAppCodes} where ${lt(oidcAppCodes.expiresAt, before)} limit ${limit})`)
      .returning({ h: oidcAppCodes.codeHash }),
  ]);
  return { oidc_attempts: attempts.length, oidc_app_codes: codes.length };
}

/**
 * Links (provider, subject) to a user unless it is linked already; the existing link either
 * way (of two concurrent links of one identity exactly one user gets it: the unique index).
 */
export async function linkIdentity(db: Db, link: { userId: number; provider: string; subject: string; email: string | null }): Promise<{ identity: Identity; created: boolean }> {
  const inserted = await db.insert(identities).values(link).onConflictDoNothing().returning();
  if (inserted[0]) return { identity: inserted[0], created: true };
  const existing = await findIdentity(db, link.provider, link.subject);
  if (!existing) throw new Error("identity insert refused but none found");
  return { identity: existing, created: false };
}

/**
 * The link of an account created in the same batch (`createAccountWithoutPassword`'s
 * `alongside`): inserted only if that insert made the row, found by its address and random
 * unusable password, so an existing account of the same address is never the one linked.
 */
export function linkNewAccount(db: Db, account: NewAccount, link: { provider: string; subject: string; email: string | null }) {
  const made = db
    .select({
      // Drizzle's insert-select names every column, in the table's order.
      id: sql<null>`null`.as("id"),
      userId: users.id,
      provider: sql<string>`${link.provider}`.as("provider"),
      subject: sql<string>`${link.subject}`.as("subject"),
      email: sql<string | null>`${link.email}`.as("email"),
      createdAt: sql<number>`${Date.now()}`.as("created_at"),
      lastLogin: sql<null>`null`.as("last_login"),
    })
    .from(users)
    .where(and(eq(users.email, account.email), eq(users.password, account.password)));
  return db.insert(identities).select(made).onConflictDoNothing();
}

export async function listIdentities(db: Db, userId: number): Promise<Identity[]> {
  return db.select().from(identities).where(eq(identities.userId, userId)).orderBy(identities.id);
}

/** The user's identities counted in SQL, for the "last way in" condition a removal carries. */
export const identityCountSql = (userId: number): SQL => sql`(select count(*) from ${identities} where ${identities.userId} = ${userId})`;

/**
 * Removes one of the user's identities; undefined when the user has no identity of that id,
 * or when `guard` (sign-in's keepsAWayIn: the user keeps a way in) does not hold as it runs.
 */
export async function unlinkIdentity(db: Db, userId: number, id: number, guard?: SQL): Promise<Identity | undefined> {
  const rows = await db
    .delete(identities)
    .where(and(eq(identities.id, id), eq(identities.userId, userId), guard))
    .returning();
  return rows[0];
}

export async function findUserIdentity(db: Db, userId: number, id: number): Promise<Identity | undefined> {
  const rows = await db
    .select()
    .from(identities)
    .where(and(eq(identities.id, id), eq(identities.userId, userId)))
    .limit(1);
  return rows[0];
}

export async function touchIdentityLogin(db: Db, id: number, now: Date): Promise<void> {
  await db.update(identities).set({ lastLogin: now }).where(eq(identities.id, id));
}
