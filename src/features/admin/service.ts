import { readCursor, signCursor } from "../../kernel/cursor";
import type { Deps } from "../../kernel/deps";
import { type User } from "../users";
import { findUserById } from "../users";
import type { EventDetail } from "../../kernel/events";
import { resetMfa } from "../mfa";
import { requestReset } from "../password-reset";
import { revokeAllSessions } from "../sessions";
import { cannotDeactivateSelf, cannotDeleteSelf, cannotDemoteSelf, invalidCursor, lastAdminMustRemain, permissionDenied, userNotFound } from "./messages";
import type { UserPatchBody } from "./schemas";
import { adminGuardState, deleteUser, listUsers, updateUser, type UserChanges } from "./store";

/** What an admin sees of a user: the profile plus the account's state, never a secret. */
function adminView(u: User) {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    tc: u.tc,
    is_active: u.isActive,
    is_admin: u.isAdmin,
    email_verified: u.emailVerified,
    mfa_enabled: u.mfaEnabled,
    created_at: u.createdAt.toISOString(),
    updated_at: u.updatedAt.toISOString(),
    last_login: u.lastLogin?.toISOString() ?? null,
  };
}

const DEFAULT_PAGE = 50;

/** A path id: what Django's <int:pk> would match; anything else is an unknown user. */
export function parseUserId(raw: string): number {
  if (!/^[1-9]\d{0,15}$/.test(raw)) throw userNotFound();
  return Number(raw);
}

/**
 * Users by ascending id. The cursor is the last id of the page, signed together with the
 * query (search, is_active), so it is valid only for the query that produced it.
 */
export async function searchUsers(d: Deps, q: { search?: string; is_active?: boolean; cursor?: string; limit?: number }) {
  const limit = q.limit ?? DEFAULT_PAGE;
  const search = q.search?.trim() || undefined;
  const scope = `admin.users\u0000${search ?? ""}\u0000${q.is_active ?? ""}`;
  let afterId = 0;
  if (q.cursor !== undefined) {
    const position = readCursor(d.config.logKey, scope, q.cursor);
    if (position === null || !/^\d{1,16}$/.test(position)) throw invalidCursor();
    afterId = Number(position);
  }
  const rows = await listUsers(d.db, { search, isActive: q.is_active, afterId, limit });
  const page = rows.slice(0, limit);
  const next = rows.length > limit ? signCursor(d.config.logKey, scope, String(page.at(-1)!.id)) : null;
  return { results: page.map(adminView), next };
}

async function targetOf(d: Deps, id: number): Promise<User> {
  const user = await findUserById(d.db, id);
  if (!user) throw userNotFound();
  return user;
}

export async function getUser(d: Deps, id: number) {
  return adminView(await targetOf(d, id));
}

/**
 * PATCH: name, is_active, is_admin, email_verified. An admin cannot deactivate or demote
 * themselves (so there is always an admin left to undo a mistake); deactivation ends every
 * session of the user in the same batch as the change.
 */
export async function patchUser(d: Deps, actor: User, id: number, b: UserPatchBody) {
  if (id === actor.id && b.is_active === false) throw cannotDeactivateSelf();
  if (id === actor.id && b.is_admin === false) throw cannotDemoteSelf();
  const changes: UserChanges = {};
  if (b.name !== undefined) changes.name = b.name;
  if (b.is_active !== undefined) changes.isActive = b.is_active;
  if (b.is_admin !== undefined) changes.isAdmin = b.is_admin;
  if (b.email_verified !== undefined) changes.emailVerified = b.email_verified;
  if (Object.keys(changes).length === 0) return getUser(d, id);
  const { user, revoked } = await updateUser(d.db, id, changes, new Date(), actor.id);
  if (!user) throw await whyRefused(d, id, actor.id);
  // The fields that changed, by name; a new name is not repeated into the log.
  const detail: EventDetail = { fields: Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined).sort().join(",") };
  if (b.is_active !== undefined) detail.is_active = b.is_active;
  if (b.is_admin !== undefined) detail.is_admin = b.is_admin;
  if (b.email_verified !== undefined) detail.email_verified = b.email_verified;
  if (b.is_active === false) detail.sessions_revoked = revoked;
  d.securityEvent("admin.user_updated", { userId: id, actorId: actor.id, detail });
  return adminView(user);
}

/** DELETE: the user and their sessions go (and any refresh records from before generations); their events stay in AUDIT_DB. */
export async function removeUser(d: Deps, actor: User, id: number) {
  if (id === actor.id) throw cannotDeleteSelf();
  if (!(await deleteUser(d.db, id, actor.id))) throw await whyRefused(d, id, actor.id);
  d.securityEvent("admin.user_deleted", { userId: id, actorId: actor.id });
}

/**
 * A guarded write that did not apply: the user is gone (404), the caller's own admin rights
 * went first (403), or it would have left no active admin (400).
 */
async function whyRefused(d: Deps, id: number, actorId: number) {
  const state = await adminGuardState(d.db, id, actorId);
  if (!state.targetExists) return userNotFound();
  if (!state.actorIsAdmin) return permissionDenied();
  return lastAdminMustRemain();
}

export async function logoutUserEverywhere(d: Deps, actor: User, id: number): Promise<number> {
  await targetOf(d, id);
  const revoked = await revokeAllSessions(d, id, undefined);
  d.securityEvent("admin.sessions_revoked", { userId: id, actorId: actor.id, detail: { count: revoked } });
  return revoked;
}

export async function resetUserMfa(d: Deps, actor: User, id: number) {
  await targetOf(d, id);
  const removed = await resetMfa(d, id);
  d.securityEvent("admin.mfa_reset", { userId: id, actorId: actor.id, detail: { had_mfa: removed } });
}

/** The same mail as the public endpoint (nothing is sent to an inactive account). */
export async function sendResetEmail(d: Deps, actor: User, id: number, linkBase: string) {
  const user = await targetOf(d, id);
  await requestReset(d, user.email, linkBase);
  d.securityEvent("admin.password_reset_sent", { userId: id, actorId: actor.id, detail: { sent: user.isActive } });
}
