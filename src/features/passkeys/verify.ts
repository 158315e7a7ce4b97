import { decodeCBORToNativeValueNoLeftoverBytes } from "@oslojs/cbor";
import { ClientDataType, createAssertionSignatureMessage, parseAuthenticatorData, parseClientDataJSON, type AuthenticatorData } from "@oslojs/webauthn";
import { fromBase64url } from "../../kernel/crypto";
import type { PasskeyConfig } from "./config";
import { decodeCoseKey, importCoseKey, verifySignature } from "./cose";

/**
 * The checks of WebAuthn Level 3 (§7.1 registration, §7.2 assertion) that need no storage;
 * the service spends the ceremony and looks the credential up. Every outcome is a value:
 * a reason never reaches the client (the routes answer one body), only the log.
 */
export type Refusal =
  | "malformed"
  | "type"
  | "challenge"
  | "origin"
  | "cross_origin"
  | "rp_id"
  | "user_present"
  | "user_verified"
  | "attested_credential"
  | "credential_id"
  | "public_key"
  | "backup_state"
  | "backup_eligible"
  | "signature"
  | "counter_regression"
  | "unknown_credential"
  | "user_handle"
  | "duplicate_credential"
  | "inactive_user";
export type Refused = { kind: "refused"; reason: Refusal };
export const refused = (reason: Refusal): Refused => ({ kind: "refused", reason });

const MAX_CREDENTIAL_ID_BYTES = 1023;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;

const obj = (v: unknown): Record<string, unknown> | null => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null);
const b64 = (v: unknown): Uint8Array | null => (typeof v === "string" ? fromBase64url(v) : null);

interface CredentialEnvelope {
  credentialId: Uint8Array;
  clientDataJSON: Uint8Array;
  response: Record<string, unknown>;
}

/** What credential.toJSON() gives around both kinds of response: id = rawId, type "public-key". */
function envelope(json: unknown): CredentialEnvelope | null {
  const c = obj(json);
  const response = obj(c?.response);
  if (!c || !response || c.type !== "public-key" || typeof c.id !== "string" || c.id !== c.rawId) return null;
  const credentialId = b64(c.rawId);
  const clientDataJSON = b64(response.clientDataJSON);
  if (!credentialId || credentialId.byteLength === 0 || !clientDataJSON) return null;
  return { credentialId, clientDataJSON, response };
}

export interface RegistrationResponse {
  credentialId: Uint8Array;
  clientDataJSON: Uint8Array;
  attestationObject: Uint8Array;
  transports: string[];
}

/** A RegistrationResponseJSON's binary fields, decoded; null when it is not one. */
export function parseRegistrationResponse(json: unknown): RegistrationResponse | null {
  const e = envelope(json);
  const attestationObject = b64(e?.response.attestationObject);
  if (!e || !attestationObject) return null;
  const t = e.response.transports;
  // Hints for later options only; kept short and well-formed, never trusted.
  const transports = Array.isArray(t) ? t.filter((x): x is string => typeof x === "string" && /^[a-z-]{1,32}$/.test(x)).slice(0, 8) : [];
  return { credentialId: e.credentialId, clientDataJSON: e.clientDataJSON, attestationObject, transports };
}

export interface AssertionResponse {
  credentialId: Uint8Array;
  clientDataJSON: Uint8Array;
  authenticatorData: Uint8Array;
  signature: Uint8Array;
  /** Absent (null) when the authenticator sent none, e.g. for a credential named in allowCredentials. */
  userHandle: Uint8Array | null;
}

/** An AuthenticationResponseJSON's binary fields, decoded; null when it is not one. */
export function parseAssertionResponse(json: unknown): AssertionResponse | null {
  const e = envelope(json);
  if (!e) return null;
  const authenticatorData = b64(e.response.authenticatorData);
  const signature = b64(e.response.signature);
  const handle = e.response.userHandle;
  const userHandle = handle === undefined || handle === null || handle === "" ? null : b64(handle);
  if (!authenticatorData || !signature || (userHandle === null && handle !== undefined && handle !== null && handle !== "")) return null;
  return { credentialId: e.credentialId, clientDataJSON: e.clientDataJSON, authenticatorData, signature, userHandle };
}

export interface ClientData {
  type: "webauthn.create" | "webauthn.get";
  challenge: Uint8Array;
  origin: string;
  crossOrigin: boolean;
}

/** clientDataJSON decoded; its challenge names the ceremony, which is spent whatever the rest says. */
export function readClientData(bytes: Uint8Array): ClientData | null {
  try {
    const c = parseClientDataJSON(bytes);
    return { type: c.type === ClientDataType.Create ? "webauthn.create" : "webauthn.get", challenge: c.challenge, origin: c.origin, crossOrigin: c.crossOrigin === true };
  } catch {
    return null;
  }
}

function checkClientData(config: PasskeyConfig, c: ClientData, type: ClientData["type"]): Refused | null {
  if (c.type !== type) return refused("type");
  if (!config.origins.includes(c.origin)) return refused("origin");
  // A page of another origin framing ours must not get a credential or an assertion.
  if (c.crossOrigin) return refused("cross_origin");
  return null;
}

/** rpIdHash, UP, UV (when required) and the backup flags, common to both ceremonies. */
function checkAuthenticatorData(config: PasskeyConfig, raw: Uint8Array, requireUv: boolean): { kind: "ok"; data: AuthenticatorData; be: boolean; bs: boolean } | Refused {
  let data: AuthenticatorData;
  try {
    data = parseAuthenticatorData(raw);
  } catch {
    return refused("malformed");
  }
  if (!data.verifyRelyingPartyIdHash(config.rpId)) return refused("rp_id");
  if (!data.userPresent) return refused("user_present");
  if (requireUv && !data.userVerified) return refused("user_verified");
  const be = (raw[32]! & FLAG_BE) !== 0;
  const bs = (raw[32]! & FLAG_BS) !== 0;
  // §6.1: a credential that cannot be backed up cannot be backed up now.
  if (bs && !be) return refused("backup_state");
  return { kind: "ok", data, be, bs };
}

/** A credential about to be stored: the COSE key as the authenticator encoded it. */
export interface NewCredential {
  id: Uint8Array;
  publicKey: Uint8Array;
  alg: number;
  counter: number;
  backupEligible: boolean;
  backedUp: boolean;
}

/**
 * §7.1 without the ceremony lookup: type, origin, crossOrigin, rpIdHash, UP and UV, AT, the
 * credential id (≤ 1023 bytes, the one the response names), a COSE key of EdDSA, ES256 or
 * RS256. The attestation statement is not verified (attestation "none" was asked): any format.
 */
export async function checkRegistration(config: PasskeyConfig, r: RegistrationResponse, c: ClientData): Promise<{ kind: "ok"; credential: NewCredential } | Refused> {
  const clientProblem = checkClientData(config, c, "webauthn.create");
  if (clientProblem) return clientProblem;
  let authData: Uint8Array;
  try {
    const att = obj(decodeCBORToNativeValueNoLeftoverBytes(r.attestationObject, 8));
    if (!att || typeof att.fmt !== "string" || !obj(att.attStmt) || !(att.authData instanceof Uint8Array)) return refused("malformed");
    authData = att.authData;
  } catch {
    return refused("malformed");
  }
  const ad = checkAuthenticatorData(config, authData, true);
  if (ad.kind === "refused") return ad;
  const cred = ad.data.credential;
  if (!cred) return refused("attested_credential");
  const id = cred.id;
  if (id.byteLength === 0 || id.byteLength > MAX_CREDENTIAL_ID_BYTES || !sameBytes(id, r.credentialId)) return refused("credential_id");
  const keyStart = 55 + id.byteLength;
  const decoded = decodeCoseKey(authData.subarray(keyStart));
  const imported = decoded && (await importCoseKey(decoded.params));
  if (!decoded || !imported) return refused("public_key");
  return {
    kind: "ok",
    credential: {
      id,
      publicKey: authData.slice(keyStart, keyStart + decoded.size),
      alg: imported.alg,
      counter: ad.data.signatureCounter,
      backupEligible: ad.be,
      backedUp: ad.bs,
    },
  };
}

/** What is stored of a credential and needed to check an assertion of it. */
export interface StoredCredential {
  publicKey: Uint8Array;
  counter: number;
  backupEligible: boolean;
}

/**
 * §7.2 without the ceremony and credential lookups: type, origin, crossOrigin, rpIdHash, UP,
 * UV (unless `requireUv` is false: a second step), BE unchanged, the signature over
 * authenticatorData ‖ SHA-256(clientDataJSON), then the counter (after the signature, so
 * only the credential's holder can cause a regression). The counter is ignored for
 * backup-eligible credentials: synced copies share a key but not a counter.
 */
export async function checkAssertion(
  config: PasskeyConfig,
  r: AssertionResponse,
  c: ClientData,
  stored: StoredCredential,
  requireUv: boolean,
): Promise<{ kind: "ok"; counter: number; backedUp: boolean } | Refused> {
  const clientProblem = checkClientData(config, c, "webauthn.get");
  if (clientProblem) return clientProblem;
  const ad = checkAuthenticatorData(config, r.authenticatorData, requireUv);
  if (ad.kind === "refused") return ad;
  if (ad.be !== stored.backupEligible) return refused("backup_eligible");
  const decoded = decodeCoseKey(stored.publicKey);
  const imported = decoded && (await importCoseKey(decoded.params));
  if (!imported) return refused("public_key");
  const message = createAssertionSignatureMessage(r.authenticatorData, r.clientDataJSON);
  if (!(await verifySignature(imported.alg, imported.key, r.signature, message))) return refused("signature");
  const counter = ad.data.signatureCounter;
  if (!stored.backupEligible && (stored.counter > 0 || counter > 0) && counter <= stored.counter) return refused("counter_regression");
  return { kind: "ok", counter, backedUp: ad.bs };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  let diff = 0;
  for (let i = 0; i < a.byteLength; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
