import { and, asc, eq, gt, inArray, sql, type SQL } from "drizzle-orm";
import type { Db } from "../../kernel/storage";
import { credentialsChanged, users, type User } from "../users";
import { refreshTokens, revokeUserSessionsStatement, sessions } from "../sessions";

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

/**
 * The condition every write that can take an admin away carries, so that concurrent
 * demotions, deactivations and deletions cannot leave none (D1 runs each statement alone):
 * the actor is still an active admin, and the target either is not an active admin or is
 * not the last one.
 */
function keepsAnAdmin(targetId: number, actorId: number): SQL {
  return sql`(exists (select 1 from ${users} as actor where actor.id = ${actorId} and actor.is_admin = 1 and actor.is_active = 1)
    and (not exists (select 1 from ${users} as target where target.id = ${targetId} and target.is_admin = 1 and target.is_active = 1)
      or (select count(*) from ${users} as other where other.is_admin = 1 and other.is_active = 1 and other.id <> ${targetId}) >= 1))`;
}

/** What the admin and target rows say now, to name why a guarded write did not apply. */
export async function adminGuardState(db: Db, targetId: number, actorId: number) {
  const rows = await db.select({ id: users.id, isAdmin: users.isAdmin, isActive: users.isActive }).from(users).where(inArray(users.id, [targetId, actorId]));
  const actor = rows.find((r) => r.id === actorId);
  return { targetExists: rows.some((r) => r.id === targetId), actorIsAdmin: Boolean(actor?.isAdmin && actor.isActive) };
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
export async function updateUser(
  db: Db,
  id: number,
  changes: UserChanges,
  now: Date,
  actorId: number,
): Promise<{ user: User | undefined; revoked: number }> {
  const deactivate = changes.isActive === false;
  const takesAdminAway = deactivate || changes.isAdmin === false;
  const update = db
    .update(users)
    .set({ ...changes, updatedAt: now })
    .where(and(eq(users.id, id), takesAdminAway ? keepsAnAdmin(id, actorId) : undefined))
    .returning();
  if (!deactivate) {
    const rows = await update;
    return { user: rows[0], revoked: 0 };
  }
  // Sessions end only where the deactivation applied (a refused one leaves the user active).
  const inactive = sql`exists (select 1 from ${users} where ${users.id} = ${id} and ${users.isActive} = 0)`;
  const [rows, revoked] = await db.batch([
    update,
    revokeUserSessionsStatement(db, id, "admin_deactivated", now, undefined, inactive),
    credentialsChanged(db, id, "deactivated", now, inactive),
  ]);
  return { user: rows[0], revoked: revoked.length };
}

/** The user, their sessions and any refresh records from before generations (MFA rows follow by cascade), in one batch. Events live elsewhere and stay. */
export async function deleteUser(db: Db, id: number, actorId: number): Promise<boolean> {
  // Every statement carries the guard (the first two do not change what it reads), so a
  // refused deletion leaves the user's sessions too.
  const guard = keepsAnAdmin(id, actorId);
  const [, , deleted] = await db.batch([
    db.delete(refreshTokens).where(and(eq(refreshTokens.userId, id), guard)),
    db.delete(sessions).where(and(eq(sessions.userId, id), guard)),
    db.delete(users).where(and(eq(users.id, id), guard)).returning({ id: users.id }),
  ]);
  return deleted.length === 1;
}
