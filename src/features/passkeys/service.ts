import { base64url, fromBase64url, sha256Hex } from "../../kernel/crypto";
import type { Deps } from "../../kernel/deps";
import type { PasskeyConfig } from "./config";
import {
  CEREMONY_TIMEOUT_MS,
  creationOptions,
  newChallenge,
  requestOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from "./options";
import type { CeremonyPurpose, Passkey } from "./schema";
import { createCeremony, findCredential, insertPasskey, listPasskeys, recordAssertion, spendCeremony, userHandleOf } from "./store";
import {
  checkAssertion,
  checkRegistration,
  parseAssertionResponse,
  parseRegistrationResponse,
  readClientData,
  refused,
  type AssertionResponse,
  type ClientData,
  type Refused,
} from "./verify";

/**
 * The WebAuthn ceremonies, without HTTP: options out, a response in, a tagged result back.
 * The refusal's reason is for the log only; the routes answer one body for every refusal.
 */
export type PasskeyDeps = Pick<Deps, "db" | "log" | "securityEvent">;

const DEFAULT_PASSKEY_NAME = "Passkey";

/** The contract's passkey shape. */
export function passkeyView(p: Passkey) {
  return {
    id: p.id,
    name: p.name,
    credential_id: p.credentialId,
    created_at: p.createdAt.toISOString(),
    last_used_at: p.lastUsedAt ? p.lastUsedAt.toISOString() : null,
    backup_eligible: p.backupEligible,
    backed_up: p.backedUp,
    transports: p.transports,
  };
}

// A ceremony is found by its challenge, stored hashed: a leaked table row cannot answer one.
const challengeHash = (challenge: Uint8Array) => sha256Hex(base64url(challenge));

async function startCeremony(d: PasskeyDeps, purpose: CeremonyPurpose, userId: number | null): Promise<Uint8Array> {
  const challenge = newChallenge();
  await createCeremony(d.db, challengeHash(challenge), { purpose, userId, expiresAt: new Date(Date.now() + CEREMONY_TIMEOUT_MS) });
  return challenge;
}

/** Spends the ceremony the response answers (whatever else is wrong with it); refused unless live and its purpose and user's. */
async function spend(d: PasskeyDeps, c: ClientData, purpose: CeremonyPurpose, userId: number | null): Promise<Refused | null> {
  const ceremony = await spendCeremony(d.db, challengeHash(c.challenge));
  if (!ceremony || ceremony.purpose !== purpose || ceremony.userId !== userId || ceremony.expiresAt.getTime() <= Date.now()) return refused("challenge");
  return null;
}

function log(d: PasskeyDeps, outcome: Refused, ceremony: CeremonyPurpose, fields: { user_id?: number; passkey_id?: number } = {}) {
  d.log.event("passkey_refused", { ceremony, reason: outcome.reason, ...fields });
  // A refused second step is MFA's mfa.failed; a sign-in by a known user's credential is theirs to see.
  if (ceremony === "signin" && fields.user_id !== undefined) d.securityEvent("login.failed", { userId: fields.user_id, detail: { method: "passkey", reason: outcome.reason } });
  return outcome;
}

export async function beginRegistration(d: PasskeyDeps, c: PasskeyConfig, user: { id: number; email: string; name: string }): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const [handle, existing, challenge] = await Promise.all([
    userHandleOf(d.db, user.id, base64url(crypto.getRandomValues(new Uint8Array(32)))),
    listPasskeys(d.db, user.id),
    startCeremony(d, "register", user.id),
  ]);
  return creationOptions(c, challenge, { handle, email: user.email, name: user.name }, existing);
}

export async function finishRegistration(
  d: PasskeyDeps,
  c: PasskeyConfig,
  user: { id: number },
  responseJSON: unknown,
  name?: string,
): Promise<{ kind: "ok"; passkey: Passkey } | Refused> {
  const response = parseRegistrationResponse(responseJSON);
  const clientData = response && readClientData(response.clientDataJSON);
  if (!response || !clientData) return log(d, refused("malformed"), "register", { user_id: user.id });
  const spent = await spend(d, clientData, "register", user.id);
  if (spent) return log(d, spent, "register", { user_id: user.id });
  const checked = await checkRegistration(c, response, clientData);
  if (checked.kind === "refused") return log(d, checked, "register", { user_id: user.id });
  const cred = checked.credential;
  const passkey = await insertPasskey(d.db, {
    userId: user.id,
    credentialId: base64url(cred.id),
    publicKey: base64url(cred.publicKey),
    alg: cred.alg,
    counter: cred.counter,
    backupEligible: cred.backupEligible,
    backedUp: cred.backedUp,
    transports: response.transports,
    name: name?.trim() || DEFAULT_PASSKEY_NAME,
    createdAt: new Date(),
  });
  if (!passkey) return log(d, refused("duplicate_credential"), "register", { user_id: user.id });
  d.log.event("passkey_registered", { user_id: user.id, passkey_id: passkey.id, alg: passkey.alg, backup_eligible: passkey.backupEligible });
  return { kind: "ok", passkey };
}

/** Discoverable sign-in: no allowCredentials, UV required. */
export async function beginSignIn(d: PasskeyDeps, c: PasskeyConfig): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return requestOptions(c, await startCeremony(d, "signin", null), [], "required");
}

/**
 * A verified assertion by a credential registered to `userId` (any user for a sign-in): the
 * checks, then the counter, BS and last use stored by a write conditional on the counter checked.
 */
async function finishAssertion(
  d: PasskeyDeps,
  c: PasskeyConfig,
  purpose: "signin" | "second-step",
  userId: number | null,
  responseJSON: unknown,
): Promise<{ kind: "ok"; userId: number; passkey: Passkey } | Refused> {
  const response: AssertionResponse | null = parseAssertionResponse(responseJSON);
  const clientData = response && readClientData(response.clientDataJSON);
  if (!response || !clientData) return log(d, refused("malformed"), purpose);
  const spent = await spend(d, clientData, purpose, userId);
  if (spent) return log(d, spent, purpose);
  // A discoverable credential always returns its user handle; without it nothing ties the key to the user the RP knows.
  if (purpose === "signin" && !response.userHandle) return log(d, refused("user_handle"), purpose);
  const found = await findCredential(d.db, base64url(response.credentialId));
  if (!found || (userId !== null && found.passkey.userId !== userId)) return log(d, refused("unknown_credential"), purpose);
  const { passkey } = found;
  const fields = { user_id: passkey.userId, passkey_id: passkey.id };
  if (response.userHandle && base64url(response.userHandle) !== found.handle) {
    return log(d, refused("user_handle"), purpose, fields);
  }
  if (!found.isActive) return log(d, refused("inactive_user"), purpose, fields);
  const stored = { publicKey: fromBase64url(passkey.publicKey) ?? new Uint8Array(), counter: passkey.counter, backupEligible: passkey.backupEligible };
  const checked = await checkAssertion(c, response, clientData, stored, purpose === "signin");
  if (checked.kind === "refused") {
    // A cloned authenticator is the one thing a counter can reveal: the operator hears of it.
    if (checked.reason === "counter_regression") {
      d.securityEvent("passkey.counter_regression", { userId: passkey.userId, detail: { id: passkey.id, stored: passkey.counter } });
    }
    return log(d, checked, purpose, fields);
  }
  const updated = await recordAssertion(d.db, {
    id: passkey.id,
    checkedCounter: passkey.counter,
    counter: checked.counter,
    backedUp: checked.backedUp,
    now: new Date(),
    counterMatters: !passkey.backupEligible,
  });
  // Another assertion moved the counter (or the passkey was removed) since it was read.
  if (!updated) return log(d, refused("counter_regression"), purpose, fields);
  return { kind: "ok", userId: passkey.userId, passkey: updated };
}

export function finishSignIn(d: PasskeyDeps, c: PasskeyConfig, responseJSON: unknown) {
  return finishAssertion(d, c, "signin", null, responseJSON);
}

/** The second step of a password or provider login: the user's passkeys allowed, UV preferred. */
export async function beginSecondStep(d: PasskeyDeps, c: PasskeyConfig, userId: number): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const [existing, challenge] = await Promise.all([listPasskeys(d.db, userId), startCeremony(d, "second-step", userId)]);
  return requestOptions(c, challenge, existing, "preferred");
}

export function finishSecondStep(d: PasskeyDeps, c: PasskeyConfig, userId: number, responseJSON: unknown) {
  return finishAssertion(d, c, "second-step", userId, responseJSON);
}
