import { and, asc, count, eq, lt, sql, type SQL } from "drizzle-orm";
import type { Db } from "../../kernel/storage";
import { users } from "../users";
import { passkeys, webauthnCeremonies, webauthnUserHandles, type CeremonyPurpose, type Passkey } from "./schema";

export interface Ceremony {
  purpose: CeremonyPurpose;
  userId: number | null;
  expiresAt: Date;
}

export async function createCeremony(db: Db, challengeHash: string, c: Ceremony): Promise<void> {
  await db.insert(webauthnCeremonies).values({ challengeHash, ...c });
}

/**
 * Spends a ceremony by its first use, right or wrong: one DELETE … RETURNING, so of two
 * concurrent answers exactly one gets the row. The caller checks purpose, user and expiry on
 * what it returns (an expired row is spent too).
 */
export async function spendCeremony(db: Db, challengeHash: string): Promise<Ceremony | null> {
  const rows = await db
    .delete(webauthnCeremonies)
    .where(eq(webauthnCeremonies.challengeHash, challengeHash))
    .returning({ purpose: webauthnCeremonies.purpose, userId: webauthnCeremonies.userId, expiresAt: webauthnCeremonies.expiresAt });
  return rows[0] ?? null;
}

/** For the daily cleanup. */
export async function deleteExpiredCeremonies(db: Db, now: Date): Promise<number> {
  const rows = await db.delete(webauthnCeremonies).where(lt(webauthnCeremonies.expiresAt, now)).returning({ h: webauthnCeremonies.challengeHash });
  return rows.length;
}

/**
 * The user's WebAuthn handle, made at their first registration: `fresh` is kept only if the
 * user had none (a concurrent first registration keeps whichever was inserted first).
 */
export async function userHandleOf(db: Db, userId: number, fresh: string): Promise<string> {
  const [, rows] = await db.batch([
    db.insert(webauthnUserHandles).values({ userId, handle: fresh }).onConflictDoNothing({ target: webauthnUserHandles.userId }),
    db.select({ handle: webauthnUserHandles.handle }).from(webauthnUserHandles).where(eq(webauthnUserHandles.userId, userId)),
  ]);
  return rows[0]!.handle;
}

export async function listPasskeys(db: Db, userId: number): Promise<Passkey[]> {
  return db.select().from(passkeys).where(eq(passkeys.userId, userId)).orderBy(asc(passkeys.id)).all();
}

export async function countPasskeys(db: Db, userId: number): Promise<number> {
  const row = await db.select({ n: count() }).from(passkeys).where(eq(passkeys.userId, userId)).get();
  return row?.n ?? 0;
}

export type NewPasskey = Omit<Passkey, "id" | "lastUsedAt">;

/** Stores a credential; null when its id is already registered (to anyone): the unique index decides. */
export async function insertPasskey(db: Db, p: NewPasskey): Promise<Passkey | null> {
  const rows = await db.insert(passkeys).values(p).onConflictDoNothing({ target: passkeys.credentialId }).returning();
  return rows[0] ?? null;
}

/** A credential by its id, with what an assertion checks of its user: the handle and whether they are active. */
export async function findCredential(db: Db, credentialId: string) {
  return db
    .select({ passkey: passkeys, handle: webauthnUserHandles.handle, isActive: users.isActive })
    .from(passkeys)
    .innerJoin(users, eq(users.id, passkeys.userId))
    .innerJoin(webauthnUserHandles, eq(webauthnUserHandles.userId, passkeys.userId))
    .where(eq(passkeys.credentialId, credentialId))
    .get();
}

/**
 * A verified assertion: the new counter, BS and last use. Conditional on the counter it was
 * checked against, so two assertions with one counter value cannot both pass (for a
 * credential that is not backup-eligible; a synced one's counter means nothing). Null: lost.
 */
export async function recordAssertion(
  db: Db,
  p: { id: number; checkedCounter: number; counter: number; backedUp: boolean; now: Date; counterMatters: boolean },
): Promise<Passkey | null> {
  const rows = await db
    .update(passkeys)
    .set({ counter: p.counter, backedUp: p.backedUp, lastUsedAt: p.now })
    .where(and(eq(passkeys.id, p.id), p.counterMatters ? eq(passkeys.counter, p.checkedCounter) : undefined))
    .returning();
  return rows[0] ?? null;
}

export async function renamePasskey(db: Db, userId: number, id: number, name: string): Promise<Passkey | null> {
  const rows = await db.update(passkeys).set({ name }).where(and(eq(passkeys.id, id), eq(passkeys.userId, userId))).returning();
  return rows[0] ?? null;
}

export async function findPasskey(db: Db, userId: number, id: number): Promise<Passkey | undefined> {
  return db.select().from(passkeys).where(and(eq(passkeys.id, id), eq(passkeys.userId, userId))).get();
}

/** The user's passkeys counted in SQL, for the "last way in" condition a removal carries. */
export const passkeyCountSql = (userId: number): SQL => sql`(select count(*) from ${passkeys} where ${passkeys.userId} = ${userId})`;

/**
 * Removes one of the user's passkeys; false when it is not theirs or not there, or when
 * `guard` (sign-in's keepsAWayIn: the user keeps a way in) does not hold as the DELETE runs.
 */
export async function deletePasskey(db: Db, userId: number, id: number, guard?: SQL): Promise<boolean> {
  const rows = await db
    .delete(passkeys)
    .where(and(eq(passkeys.id, id), eq(passkeys.userId, userId), guard))
    .returning({ id: passkeys.id });
  return rows.length === 1;
}
