import type { Config } from "../../kernel/config";
import { base64url, fromBase64url, sha256Hex } from "../../kernel/crypto";
import { memo } from "../../kernel/memo";
import { mfaKeyMissing, mfaUnavailable } from "./messages";

/**
 * TOTP secrets at rest: AES-256-GCM through WebCrypto, under MFA_ENCRYPTION_KEY. The
 * variable holds a comma-separated list; the first key encrypts, every key decrypts, so a
 * key is rotated by putting a new one first (README: "MFA encryption key"). Stored form:
 *
 *   v1.<key id>.<base64url 12-byte IV>.<base64url ciphertext+tag>
 *
 * The key id is derived from the key (the first 8 hex digits of a SHA-256), so operators
 * only handle random strings. The AES key is HKDF-SHA-256 of the configured text, so any
 * secret of 32+ bytes works. The user id is the GCM additional data: a ciphertext copied
 * to another user's row does not decrypt.
 */
const VERSION = "v1";
const INFO = new TextEncoder().encode("edge-auth mfa totp-secret v1");

export const keyId = (secret: string) => sha256Hex(`mfa-key-id:${secret}`).slice(0, 8);

interface Keyring {
  current: { kid: string; key: CryptoKey };
  byKid: Map<string, CryptoKey>;
}

async function importKey(secret: string): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: INFO },
    base,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

/** The imported keys, once per isolate (per parsed config). */
const keyring = memo(async (config: Config): Promise<Keyring> => {
  const keys = await Promise.all(config.mfaKeys.map(async (s) => ({ kid: keyId(s), key: await importKey(s) })));
  return { current: keys[0]!, byKid: new Map(keys.map((k) => [k.kid, k.key])) };
});

/** Throws the 503 when MFA_ENCRYPTION_KEY is not set. */
export function assertMfaConfigured(config: Config) {
  if (config.mfaKeys.length === 0) throw mfaUnavailable();
}

const aad = (userId: number) => new TextEncoder().encode(`mfa_factor:${userId}`);

export async function encryptSecret(config: Config, userId: number, secret: Uint8Array): Promise<string> {
  assertMfaConfigured(config);
  const { current } = await keyring(config);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: aad(userId) }, current.key, secret));
  return [VERSION, current.kid, base64url(iv), base64url(sealed)].join(".");
}

/** The raw secret; a 503 when its key id is not configured any more or the ciphertext does not open. */
export async function decryptSecret(config: Config, userId: number, stored: string): Promise<Uint8Array> {
  assertMfaConfigured(config);
  const [version, kid = "", ivText = "", sealedText = ""] = stored.split(".");
  const key = (await keyring(config)).byKid.get(kid);
  const iv = fromBase64url(ivText);
  const sealed = fromBase64url(sealedText);
  if (version !== VERSION || !key || !iv || !sealed) throw mfaKeyMissing(kid);
  try {
    return new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: aad(userId) }, key, sealed));
  } catch {
    throw mfaKeyMissing(kid);
  }
}

/** Whether a stored secret is under an older key (re-encrypted at its next successful use). */
export async function isUnderOldKey(config: Config, stored: string) {
  return stored.split(".")[1] !== (await keyring(config)).current.kid;
}
