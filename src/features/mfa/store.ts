import { and, count, eq, gt, isNotNull, isNull, lt, or, sql, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../../kernel/storage";
import { credentialsChanged, users } from "../users";
import { revokeUserSessionsStatement } from "../sessions";
import { mfaChallenges, mfaFactors, mfaRecoveryCodes } from "./schema";

/** What a challenge may still do: not spent, not expired, fewer than 5 failures. */
const MAX_FAILURES = 5;
const live = (idHash: string, now: Date) =>
  and(eq(mfaChallenges.idHash, idHash), isNull(mfaChallenges.spentAt), gt(mfaChallenges.expiresAt, now), lt(mfaChallenges.failures, MAX_FAILURES));

export async function findFactor(db: Db, userId: number) {
  return db.select().from(mfaFactors).where(eq(mfaFactors.userId, userId)).get();
}

export async function countUnusedRecoveryCodes(db: Db, userId: number): Promise<number> {
  const row = await db
    .select({ n: count() })
    .from(mfaRecoveryCodes)
    .where(and(eq(mfaRecoveryCodes.userId, userId), isNull(mfaRecoveryCodes.usedAt)))
    .get();
  return row?.n ?? 0;
}

/** A new pending setup, replacing a pending one; never an enabled factor (false then). */
export async function savePendingFactor(db: Db, userId: number, secret: string, now: Date): Promise<boolean> {
  const rows = await db
    .insert(mfaFactors)
    .values({ userId, secret, createdAt: now })
    .onConflictDoUpdate({
      target: mfaFactors.userId,
      set: { secret, createdAt: now, lastUsedStep: null },
      setWhere: isNull(mfaFactors.confirmedAt),
    })
    .returning({ userId: mfaFactors.userId });
  return rows.length === 1;
}

const insertCodes = (db: Db, userId: number, hashes: string[], now: Date) =>
  db.insert(mfaRecoveryCodes).values(hashes.map((codeHash) => ({ userId, codeHash, createdAt: now })));

/**
 * Enables the pending factor the caller verified (the same ciphertext: a setup in between
 * loses), records the step it was confirmed with, and in the same batch sets
 * users.mfa_enabled, stores the recovery codes and revokes the user's other sessions. Every
 * statement after the first applies only if the first did. Returns whether it did.
 */
export async function confirmFactor(
  db: Db,
  p: { userId: number; secret: string; step: number; codeHashes: string[]; now: Date; keepSessionId?: string },
): Promise<boolean> {
  const confirmedNow = sql`exists (select 1 from ${mfaFactors} where ${mfaFactors.userId} = ${p.userId} and ${mfaFactors.confirmedAt} = ${p.now.getTime()} and ${mfaFactors.secret} = ${p.secret})`;
  const [confirmed] = await db.batch([
    db
      .update(mfaFactors)
      .set({ confirmedAt: p.now, lastUsedStep: p.step })
      .where(
        and(
          eq(mfaFactors.userId, p.userId),
          eq(mfaFactors.secret, p.secret),
          isNull(mfaFactors.confirmedAt),
          or(isNull(mfaFactors.lastUsedStep), lt(mfaFactors.lastUsedStep, p.step)),
        ),
      )
      .returning({ userId: mfaFactors.userId }),
    db.update(users).set({ mfaEnabled: true, updatedAt: p.now }).where(and(eq(users.id, p.userId), confirmedNow)),
    db.delete(mfaRecoveryCodes).where(and(eq(mfaRecoveryCodes.userId, p.userId), confirmedNow)),
    ...recoveryCodesInsertIf(db, p.userId, p.codeHashes, p.now, confirmedNow),
    revokeUserSessionsStatement(db, p.userId, "mfa_enabled", p.now, p.keepSessionId, confirmedNow),
    credentialsChanged(db, p.userId, "mfa_enabled", p.now, confirmedNow),
  ]);
  return confirmed.length === 1;
}

/** INSERT … SELECT … WHERE <condition>, one per code: recovery codes that join a batch only if its first write applied. */
function recoveryCodesInsertIf(db: Db, userId: number, hashes: string[], now: Date, condition: SQL) {
  return hashes.map((h) =>
    db.insert(mfaRecoveryCodes).select(
      db
        .select({
          id: sql<null>`null`.as("id"),
          userId: users.id,
          codeHash: sql<string>`${h}`.as("code_hash"),
          createdAt: sql<number>`${now.getTime()}`.as("created_at"),
          usedAt: sql<null>`null`.as("used_at"),
        })
        .from(users)
        .where(and(eq(users.id, userId), condition)),
    ),
  );
}

/**
 * Accepts a TOTP step once: the update applies only if the step is newer than the last one
 * used, so of two requests with one code exactly one wins. `challengeIdHash`: the step is
 * accepted only while that mfa_token is live and the user's.
 */
export async function consumeStep(db: Db, userId: number, step: number, now: Date, challengeIdHash?: string): Promise<boolean> {
  const rows = await db
    .update(mfaFactors)
    .set({ lastUsedStep: step })
    .where(
      and(
        eq(mfaFactors.userId, userId),
        isNotNull(mfaFactors.confirmedAt),
        or(isNull(mfaFactors.lastUsedStep), lt(mfaFactors.lastUsedStep, step)),
        challengeIdHash ? liveChallengeOf(challengeIdHash, userId, now) : undefined,
      ),
    )
    .returning({ userId: mfaFactors.userId });
  return rows.length === 1;
}

/** Marks a recovery code used; only one request can (used_at IS NULL). */
export async function consumeRecoveryCode(db: Db, userId: number, codeHash: string, now: Date, challengeIdHash?: string): Promise<boolean> {
  const rows = await db
    .update(mfaRecoveryCodes)
    .set({ usedAt: now })
    .where(
      and(
        eq(mfaRecoveryCodes.userId, userId),
        eq(mfaRecoveryCodes.codeHash, codeHash),
        isNull(mfaRecoveryCodes.usedAt),
        challengeIdHash ? liveChallengeOf(challengeIdHash, userId, now) : undefined,
      ),
    )
    .returning({ id: mfaRecoveryCodes.id });
  return rows.length === 1;
}

const liveChallengeOf = (idHash: string, userId: number, now: Date) =>
  sql`exists (select 1 from ${mfaChallenges} where ${and(live(idHash, now), eq(mfaChallenges.userId, userId))})`;

/** Replaces every recovery code of a user (used or not) with a new set, in one batch. */
export async function replaceRecoveryCodes(db: Db, userId: number, hashes: string[], now: Date) {
  await db.batch([db.delete(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, userId)), insertCodes(db, userId, hashes, now)]);
}

/**
 * Turns MFA off: the factor, its recovery codes and open challenges go, users.mfa_enabled is
 * cleared, and (unless `revoke` is false) the user's other sessions are revoked: one batch.
 */
export async function removeMfa(db: Db, p: { userId: number; now: Date; keepSessionId?: string; revoke: boolean }) {
  const statements: [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]] = [
    db.delete(mfaFactors).where(eq(mfaFactors.userId, p.userId)).returning({ userId: mfaFactors.userId }),
    // Before mfa_enabled is cleared below: a credentials change only where MFA was on.
    credentialsChanged(db, p.userId, "mfa_disabled", p.now, sql`exists (select 1 from ${users} where ${users.id} = ${p.userId} and ${users.mfaEnabled} = 1)`),
    db.delete(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, p.userId)),
    db.delete(mfaChallenges).where(eq(mfaChallenges.userId, p.userId)),
    db.update(users).set({ mfaEnabled: false, updatedAt: p.now }).where(eq(users.id, p.userId)),
  ];
  if (p.revoke) statements.push(revokeUserSessionsStatement(db, p.userId, "mfa_disabled", p.now, p.keepSessionId));
  const [removed] = (await db.batch(statements)) as [{ userId: number }[], ...unknown[]];
  return removed.length === 1;
}

/**
 * The challenge of a login whose password was right: one batch, as a login without MFA
 * writes its session in one batch (same shape of work, so the timing does not tell them
 * apart). The user's challenges that expired a day ago go in the same batch, which keeps
 * the table bounded without a cron job. `extra`: the login's other writes (rehash).
 */
export async function createChallenge(
  db: Db,
  p: { idHash: string; userId: number; passwordVersion: number; now: Date; expiresAt: Date; first: FirstStep },
  extra: BatchItem<"sqlite">[] = [],
) {
  const first = { method: p.first.method, amr: JSON.stringify(p.first.amr), provider: p.first.provider ?? null };
  await db.batch([
    db.insert(mfaChallenges).values({ idHash: p.idHash, userId: p.userId, passwordVersion: p.passwordVersion, createdAt: p.now, expiresAt: p.expiresAt, ...first }),
    db.delete(mfaChallenges).where(and(eq(mfaChallenges.userId, p.userId), lt(mfaChallenges.expiresAt, new Date(p.now.getTime() - 86_400_000)))),
    ...extra,
  ]);
}

/** The first step of a sign-in that an MFA challenge continues: its method (events), amr and provider. */
export interface FirstStep {
  method: string;
  amr: string[];
  provider?: string;
}

/** A live challenge with what the second step needs: its user (whose password has not changed since), that user's factor. */
export async function findLiveChallenge(db: Db, idHash: string, now: Date) {
  return db
    .select({
      userId: mfaChallenges.userId,
      isActive: users.isActive,
      userCreatedAt: users.createdAt,
      passwordVersion: mfaChallenges.passwordVersion,
      method: mfaChallenges.method,
      amr: mfaChallenges.amr,
      provider: mfaChallenges.provider,
      mfaEnabled: users.mfaEnabled,
      secret: mfaFactors.secret,
      confirmedAt: mfaFactors.confirmedAt,
    })
    .from(mfaChallenges)
    .innerJoin(users, and(eq(users.id, mfaChallenges.userId), eq(users.passwordVersion, mfaChallenges.passwordVersion)))
    .leftJoin(mfaFactors, eq(mfaFactors.userId, mfaChallenges.userId))
    .where(live(idHash, now))
    .get();
}

/** Counts a wrong code against a live challenge; false when it was not live (then it is dead to the caller). */
export async function recordFailure(db: Db, idHash: string, now: Date): Promise<boolean> {
  const rows = await db
    .update(mfaChallenges)
    .set({ failures: sql`${mfaChallenges.failures} + 1` })
    .where(live(idHash, now))
    .returning({ failures: mfaChallenges.failures });
  return rows.length === 1;
}

/** Spends a live challenge; exactly one of any number of racing requests gets true. */
export async function spendChallenge(db: Db, idHash: string, now: Date): Promise<boolean> {
  const rows = await db.update(mfaChallenges).set({ spentAt: now }).where(live(idHash, now)).returning({ userId: mfaChallenges.userId });
  return rows.length === 1;
}

/** Re-encrypts a secret under the current key, if it is still the ciphertext that was read. */
export async function reencryptSecret(db: Db, userId: number, oldSecret: string, newSecret: string) {
  await db.update(mfaFactors).set({ secret: newSecret }).where(and(eq(mfaFactors.userId, userId), eq(mfaFactors.secret, oldSecret)));
}
