import type { Deps } from "../../kernel/deps";
import { openChallenge } from "../mfa";
import { keepsAWayIn, lastWayIn, loginAnswerBody, notifySecurityChange, requireRecentSignIn, signIn } from "../sign-in";
import { findUserById } from "../users";
import type { PasskeyConfig } from "./config";
import { notFound, notVerified, signInFailed } from "./messages";
import { beginRegistration, beginSecondStep, beginSignIn, finishRegistration, finishSignIn, passkeyView } from "./service";
import { deletePasskey, findPasskey, listPasskeys, renamePasskey } from "./store";

/** The bearer (sessions' Authenticated, as c.get("auth") holds it). */
type Authenticated = Parameters<typeof requireRecentSignIn>[1];

/**
 * What the routes do with the ceremonies: the common rules of a way in (recent sign-in to add
 * one, the security notice, the last way in, the login answer) around service.ts.
 */

/** An id from the path: anything but a positive integer is simply not a passkey of the caller's. */
export function parseId(raw: string): number {
  if (!/^[1-9]\d{0,15}$/.test(raw)) throw notFound();
  return Number(raw);
}

export async function registrationOptions(d: Deps, c: PasskeyConfig, auth: Authenticated, currentPassword: string | undefined) {
  await requireRecentSignIn(d, auth, currentPassword);
  return beginRegistration(d, c, auth.user);
}

export async function register(d: Deps, c: PasskeyConfig, auth: Authenticated, credential: unknown, name: string | undefined) {
  const result = await finishRegistration(d, c, auth.user, credential, name);
  if (result.kind === "refused") throw notVerified();
  d.securityEvent("passkey.added", { userId: auth.user.id, sessionId: auth.claims.sid, detail: { id: result.passkey.id, name: result.passkey.name } });
  // An attacker with a stolen session who adds a way in cannot do it silently.
  notifySecurityChange(d, auth.user, "passkey_added");
  return passkeyView(result.passkey);
}

export async function rename(d: Deps, userId: number, id: number, name: string) {
  const passkey = await renamePasskey(d.db, userId, id, name);
  if (!passkey) throw notFound();
  return passkeyView(passkey);
}

/**
 * The user removes one of their passkeys, never their last way in: the DELETE itself counts
 * the ways left, so no concurrent removal (a passkey, an identity) can take the other one.
 */
export async function remove(d: Deps, auth: Authenticated, id: number) {
  const userId = auth.user.id;
  if (!(await deletePasskey(d.db, userId, id, await keepsAWayIn(d, auth.user)))) {
    // Still there: the guard refused it, the last way in. Gone or never the user's: 404.
    if (await findPasskey(d.db, userId, id)) throw lastWayIn();
    throw notFound();
  }
  d.securityEvent("passkey.removed", { userId, sessionId: auth.claims.sid, detail: { id } });
}

/** A discoverable sign-in: complete (amr ["hwk"]), never an MFA step; any failure is one 401. */
export async function signInWithPasskey(d: Deps, c: PasskeyConfig, credential: unknown) {
  const result = await finishSignIn(d, c, credential);
  if (result.kind === "refused") throw signInFailed();
  const user = await findUserById(d.db, result.userId);
  const answer = user && (await signIn(d, user, { method: "passkey", secondStep: false }));
  if (!answer || answer.kind === "inactive") throw signInFailed();
  return loginAnswerBody(answer);
}

export const signInOptions = (d: Deps, c: PasskeyConfig) => beginSignIn(d, c);

/** The second step's options: the mfa_token's user's passkeys (401 token_not_valid for a bad token, as verify). */
export async function secondStepOptions(d: Deps, c: PasskeyConfig, mfaToken: string) {
  const challenge = await openChallenge(d, mfaToken);
  return beginSecondStep(d, c, challenge.userId);
}

export const list = async (d: Deps, userId: number) => (await listPasskeys(d.db, userId)).map(passkeyView);

export async function adminList(d: Deps, userId: number) {
  if (!(await findUserById(d.db, userId))) throw notFound();
  return list(d, userId);
}

/** An admin removes a passkey: the "last way in" rule does not bind them. */
export async function adminRemove(d: Deps, admin: Authenticated, userId: number, id: number) {
  if (!(await deletePasskey(d.db, userId, id))) throw notFound();
  d.securityEvent("passkey.removed", { userId, actorId: admin.user.id, detail: { id } });
}
