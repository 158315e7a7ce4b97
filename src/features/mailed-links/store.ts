import { and, eq, gt, isNull, lt, sql, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../../kernel/storage";
import { users } from "../users";
import { mailTokens, type MailPurpose, type MailToken } from "./schema";

export interface NewMailToken {
  tokenHash: string;
  purpose: MailPurpose;
  userId: number;
  email: string;
  newEmail?: string | null;
  passwordVersion: number;
  credentialsVersion: number;
  now: Date;
  expiresAt: Date;
}

/**
 * Stores a link as the only live one of its (user, purpose): the older ones are deleted in
 * the same batch, so "a newer link kills older ones" holds the moment this one exists.
 */
export async function saveMailToken(db: Db, t: NewMailToken, extra: BatchItem<"sqlite">[] = []): Promise<void> {
  await db.batch([
    db.delete(mailTokens).where(and(eq(mailTokens.userId, t.userId), eq(mailTokens.purpose, t.purpose))),
    db.insert(mailTokens).values({
      tokenHash: t.tokenHash,
      purpose: t.purpose,
      userId: t.userId,
      email: t.email,
      newEmail: t.newEmail ?? null,
      passwordVersion: t.passwordVersion,
      credentialsVersion: t.credentialsVersion,
      createdAt: t.now,
      expiresAt: t.expiresAt,
    }),
    ...extra,
  ]);
}

/**
 * For an address without an account: the same batch of two statements in one D1 round trip,
 * applying to nothing (no user has id 0; the fresh random hash names no row), so a known and
 * an unknown address wait on the same work and nothing is left behind.
 */
export async function saveDecoyToken(db: Db, purpose: MailPurpose, tokenHash: string, now: Date, expiresAt: Date, extra: BatchItem<"sqlite">[] = []): Promise<void> {
  await db.batch([
    db.delete(mailTokens).where(and(eq(mailTokens.userId, 0), eq(mailTokens.purpose, purpose))),
    db.update(mailTokens).set({ createdAt: now, expiresAt }).where(eq(mailTokens.tokenHash, tokenHash)),
    ...extra,
  ]);
}

/**
 * What moves under a link of each purpose and kills it: any credentials change
 * (users/credentials.ts), or only a new password. A purpose not listed here (e-mail change,
 * and any added later) dies with every credentials change.
 */
const DIES_ONLY_WITH_PASSWORD: readonly MailPurpose[] = ["verify_email", "password_reset"];
const boundTo = (purpose: MailPurpose): "password" | "credentials" => (DIES_ONLY_WITH_PASSWORD.includes(purpose) ? "password" : "credentials");

/** Whether a link row was issued for the versions its user has now (rows from before the columns count as version 0). */
export function issuedForCurrent(t: Pick<MailToken, "purpose" | "passwordVersion" | "credentialsVersion">, user: { passwordVersion: number; credentialsVersion: number }) {
  return boundTo(t.purpose) === "password" ? (t.passwordVersion ?? 0) === user.passwordVersion : (t.credentialsVersion ?? 0) === user.credentialsVersion;
}

/** The same as SQL, for the conditional write that spends a link. */
function issuedForCurrentSql(purpose: MailPurpose, userId: number): SQL {
  return boundTo(purpose) === "password"
    ? sql`coalesce(${mailTokens.passwordVersion}, 0) = (select ${users.passwordVersion} from ${users} where ${users.id} = ${userId})`
    : sql`coalesce(${mailTokens.credentialsVersion}, 0) = (select ${users.credentialsVersion} from ${users} where ${users.id} = ${userId})`;
}

/** The link's row with its user's current address and state; undefined for an unknown hash. */
export async function findMailToken(db: Db, tokenHash: string) {
  const rows = await db
    .select({ token: mailTokens, userEmail: users.email, userActive: users.isActive, passwordVersion: users.passwordVersion, credentialsVersion: users.credentialsVersion })
    .from(mailTokens)
    .innerJoin(users, eq(users.id, mailTokens.userId))
    .where(eq(mailTokens.tokenHash, tokenHash))
    .limit(1);
  return rows[0] as { token: MailToken; userEmail: string; userActive: boolean; passwordVersion: number; credentialsVersion: number } | undefined;
}

/**
 * The one conditional write that spends a link: unused, unexpired, of this purpose and user,
 * issued to the address the (active) user still has and for the credentials it still has. Written with a fresh `claim`, so a
 * dependent statement later in the same batch can require that this batch spent it.
 */
function spendStatement(db: Db, p: { tokenHash: string; purpose: MailPurpose; userId: number; now: Date; claim: string }) {
  return db
    .update(mailTokens)
    .set({ usedAt: p.now, claim: p.claim })
    .where(
      and(
        eq(mailTokens.tokenHash, p.tokenHash),
        eq(mailTokens.purpose, p.purpose),
        eq(mailTokens.userId, p.userId),
        isNull(mailTokens.usedAt),
        gt(mailTokens.expiresAt, p.now),
        sql`${mailTokens.email} = (select ${users.email} from ${users} where ${users.id} = ${p.userId} and ${users.isActive} = 1)`,
        issuedForCurrentSql(p.purpose, p.userId),
      ),
    )
    .returning();
}

/** SQL true only inside the batch whose spendStatement claimed the link. */
export const spentBy = (tokenHash: string, claim: string): SQL =>
  sql`exists (select 1 from ${mailTokens} where ${mailTokens.tokenHash} = ${tokenHash} and ${mailTokens.claim} = ${claim})`;

/**
 * Spends a link and runs the dependent writes (each already conditional on `spentBy`) in one
 * D1 batch. Returns the spent row, or undefined when the link was not live.
 */
export async function spendWith(
  db: Db,
  p: { tokenHash: string; purpose: MailPurpose; userId: number; now: Date; claim: string },
  dependent: BatchItem<"sqlite">[],
): Promise<{ token: MailToken | undefined; results: unknown[] }> {
  const [spent, ...results] = (await db.batch([spendStatement(db, p), ...dependent] as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]])) as [MailToken[], ...unknown[]];
  return { token: spent[0], results };
}

/** Marks a link spent after the fact (reset: its single use rests on the password version). */
export async function markMailTokenUsed(db: Db, tokenHash: string, now: Date): Promise<void> {
  await db.update(mailTokens).set({ usedAt: now }).where(and(eq(mailTokens.tokenHash, tokenHash), isNull(mailTokens.usedAt)));
}

/** The daily cleanup: links expired before `before`, at most `limit` of them. */
export async function deleteExpiredMailTokens(db: Db, before: Date, limit: number): Promise<number> {
  const rows = await db
    .delete(mailTokens)
    .where(sql`${mailTokens.tokenHash} in (select ${mailTokens.tokenHash} from ${mailTokens} where ${lt(mailTokens.expiresAt, before)} limit ${limit})`)
    .returning({ h: mailTokens.tokenHash });
  return rows.length;
}

