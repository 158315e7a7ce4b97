import type { Deps } from "../../kernel/deps";
import { assertCurrentPassword, reauthenticationRequired } from "../passwords";
import { findSessionSignedInAt, type Authenticated } from "../sessions";
import { hasPassword } from "./ways";

/**
 * A sensitive change (adding a way in) asks for proof that the caller is the user now, not
 * whoever holds a stolen token: a session signed into at most REAUTH_MAX_AGE seconds ago
 * (its creation; refreshes never renew it), or the right current password, through the
 * account's one budget of wrong ones.
 */
export async function requireRecentSignIn(d: Deps, auth: Authenticated, currentPassword: string | undefined): Promise<void> {
  if (await signedInRecently(d, auth)) return;
  // A user without a password has none to offer: only signing in again helps.
  if (currentPassword !== undefined && hasPassword(auth.user)) return assertCurrentPassword(d, auth.user, currentPassword);
  throw reauthenticationRequired();
}

/** Whether the caller's session was signed into within REAUTH_MAX_AGE (tokens without a session: never). */
async function signedInRecently(d: Deps, auth: Authenticated): Promise<boolean> {
  if (!auth.claims.sid) return false;
  const signedInAt = await findSessionSignedInAt(d, auth.claims.sid, auth.user.id);
  return signedInAt !== null && Date.now() - signedInAt.getTime() <= d.config.REAUTH_MAX_AGE * 1000;
}
