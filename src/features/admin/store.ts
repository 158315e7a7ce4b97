import { and, asc, eq, gt, sql } from "drizzle-orm";
import type { Db } from "../../kernel/storage";
import { users, type User } from "../users";
import { refreshTokens, sessions } from "../sessions";
import { revokeUserSessionsStatement } from "../sessions";

export interface UserQuery {
  search?: string;
  isActive?: boolean;
  afterId: number;
  limit: number;
}

/** LIKE's wildcards in a search term match themselves. */
const likeTerm = (term: string) => `%${term.toLowerCase().replace(/[\\%_]/g, (m) => `\\${m}`)}%`;

/** One page by ascending id after `afterId`; `limit + 1` rows, so the caller knows whether there is more. */
export async function listUsers(db: Db, q: UserQuery): Promise<User[]> {
  const term = q.search ? likeTerm(q.search) : undefined;
  return db
    .select()
    .from(users)
    .where(
      and(
        gt(users.id, q.afterId),
        q.isActive === undefined ? undefined : eq(users.isActive, q.isActive),
        term === undefined ? undefined : sql`(lower(${users.email}) like ${term} escape '\\' or lower(${users.name}) like ${term} escape '\\')`,
      ),
    )
    .orderBy(asc(users.id))
    .limit(q.limit + 1)
    .all();
}

export interface UserChanges {
  name?: string;
  isActive?: boolean;
  isAdmin?: boolean;
  emailVerified?: boolean;
}

/**
 * Applies an admin's changes. A deactivation revokes every session of the user in the same
 * D1 batch (and kills tokens minted by simplejwt before the move), so no request after the
 * answer can use any of the user's tokens. Returns the updated row (undefined: no such
 * user) and how many sessions ended.
 */
export async function updateUser(db: Db, id: number, changes: UserChanges, now: Date): Promise<{ user: User | undefined; revoked: number }> {
  const deactivate = changes.isActive === false;
  const update = db
    .update(users)
    .set({ ...changes, updatedAt: now, ...(deactivate ? { tokensValidAfter: now } : {}) })
    .where(eq(users.id, id))
    .returning();
  if (!deactivate) {
    const rows = await update;
    return { user: rows[0], revoked: 0 };
  }
  const [rows, revoked] = await db.batch([update, revokeUserSessionsStatement(db, id, "admin_deactivated", now)]);
  return { user: rows[0], revoked: revoked.length };
}

/** The user, their sessions and any refresh records from before generations (MFA rows follow by cascade), in one batch. Events live elsewhere and stay. */
export async function deleteUser(db: Db, id: number): Promise<boolean> {
  const [, , deleted] = await db.batch([
    db.delete(refreshTokens).where(eq(refreshTokens.userId, id)),
    db.delete(sessions).where(eq(sessions.userId, id)),
    db.delete(users).where(eq(users.id, id)).returning({ id: users.id }),
  ]);
  return deleted.length === 1;
}
