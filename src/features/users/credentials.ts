import { and, eq, sql, type SQL } from "drizzle-orm";
import type { Db } from "../../kernel/storage";
import { users } from "./schema";

/**
 * The one rule for "this user's credentials changed": every place that changes them puts
 * this statement in its own D1 batch. It moves users.credentials_version on, and every proof
 * issued for the old credentials records the version it was issued at and is checked
 * against it at use (mailed links: features/mailed-links; a later capability's proof joins by
 * recording it too). The kinds that end tokens also move tokens_valid_after, which tokens
 * without a session id (simplejwt's) are checked against; sessions are each caller's to end.
 */
export type CredentialsChange =
  | "password_changed"
  | "password_reset"
  | "logout_all"
  | "deactivated"
  | "mfa_enabled"
  | "mfa_disabled"
  | "email_change_requested";

/** Changes before which issued tokens die (a newer e-mail change request leaves sessions alone). */
const ENDS_TOKENS: Record<CredentialsChange, boolean> = {
  password_changed: true,
  password_reset: true,
  logout_all: true,
  deactivated: true,
  mfa_enabled: true,
  mfa_disabled: true,
  email_change_requested: false,
};

/**
 * The statement of a credentials change, for the batch that makes the change. `onlyIf`: the
 * condition under which the change itself applied (a batch whose first write may not apply).
 */
export function credentialsChanged(db: Db, userId: number, kind: CredentialsChange, now: Date, onlyIf?: SQL) {
  return db
    .update(users)
    .set({ credentialsVersion: sql`${users.credentialsVersion} + 1`, ...(ENDS_TOKENS[kind] ? { tokensValidAfter: now } : {}) })
    .where(and(eq(users.id, userId), onlyIf));
}
