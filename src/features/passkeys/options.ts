import { base64url } from "../../kernel/crypto";
import type { PasskeyConfig } from "./config";

/**
 * The WebAuthn Level 3 JSON forms: what PublicKeyCredential.parseCreationOptionsFromJSON() and
 * parseRequestOptionsFromJSON() take, so a front end needs no library. Binary fields are base64url.
 */
interface CredentialDescriptorJSON {
  type: "public-key";
  id: string;
  transports?: string[];
}

export interface PublicKeyCredentialCreationOptionsJSON {
  rp: { id: string; name: string };
  user: { id: string; name: string; displayName: string };
  challenge: string;
  pubKeyCredParams: { type: "public-key"; alg: number }[];
  timeout: number;
  excludeCredentials: CredentialDescriptorJSON[];
  authenticatorSelection: { residentKey: "required"; requireResidentKey: true; userVerification: "required" };
  attestation: "none";
}

export interface PublicKeyCredentialRequestOptionsJSON {
  challenge: string;
  timeout: number;
  rpId: string;
  allowCredentials: CredentialDescriptorJSON[];
  userVerification: "required" | "preferred";
}

export const COSE_EDDSA = -8;
export const COSE_ES256 = -7;
export const COSE_RS256 = -257;
/** In the order of preference the RP states them (EdDSA, ES256, RS256), as the contract lists them. */
const ALGORITHMS = [COSE_EDDSA, COSE_ES256, COSE_RS256] as const;

const CHALLENGE_BYTES = 32;
/** Both the timeout the browser gets and a ceremony's life in D1. */
export const CEREMONY_TIMEOUT_MS = 300_000;

export const newChallenge = () => crypto.getRandomValues(new Uint8Array(CHALLENGE_BYTES));

/** A credential the options name (excluded at registration, allowed at the second step). */
export interface KnownCredential {
  credentialId: string;
  transports: string[];
}

const descriptor = (c: KnownCredential): CredentialDescriptorJSON =>
  c.transports.length ? { type: "public-key", id: c.credentialId, transports: c.transports } : { type: "public-key", id: c.credentialId };

export function creationOptions(
  config: PasskeyConfig,
  challenge: Uint8Array,
  user: { handle: string; email: string; name: string },
  existing: KnownCredential[],
): PublicKeyCredentialCreationOptionsJSON {
  return {
    rp: { id: config.rpId, name: config.rpName },
    // The handle is random (webauthn_user_handles): authenticators may show or sync it, so it never is the user id or e-mail.
    user: { id: user.handle, name: user.email, displayName: user.name },
    challenge: base64url(challenge),
    pubKeyCredParams: ALGORITHMS.map((alg) => ({ type: "public-key" as const, alg })),
    timeout: CEREMONY_TIMEOUT_MS,
    excludeCredentials: existing.map(descriptor),
    authenticatorSelection: { residentKey: "required", requireResidentKey: true, userVerification: "required" },
    attestation: "none",
  };
}

/**
 * Sign-in: no allowCredentials (discoverable credentials: the authenticator offers the user's
 * passkeys), UV required. Second step: the user's passkeys, UV preferred (the password or the
 * provider was the first factor).
 */
export function requestOptions(
  config: PasskeyConfig,
  challenge: Uint8Array,
  allowed: KnownCredential[],
  userVerification: "required" | "preferred",
): PublicKeyCredentialRequestOptionsJSON {
  return {
    challenge: base64url(challenge),
    timeout: CEREMONY_TIMEOUT_MS,
    rpId: config.rpId,
    allowCredentials: allowed.map(descriptor),
    userVerification,
  };
}
