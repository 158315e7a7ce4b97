import { decodeBase32IgnorePadding, encodeBase32NoPadding } from "@oslojs/encoding";
import { createTOTPKeyURI, generateHOTP, verifyHOTP } from "@oslojs/otp";
import { renderSVG } from "uqr";
import { randomToken, sha256Hex } from "../../kernel/crypto";

/** RFC 6238 as every authenticator app does it: HMAC-SHA-1, 6 digits, 30-second steps. */
const TOTP = { digits: 6, period: 30, secretBytes: 20, window: 1 } as const;

/** A new secret: 20 random bytes (RFC 4226's recommended length), used as raw HMAC key bytes. */
export const newSecret = () => crypto.getRandomValues(new Uint8Array(TOTP.secretBytes));

/** The base32 shown to the user (RFC 4648, no padding): what `oathtool --totp -b` and the apps take. */
export const secretToBase32 = (secret: Uint8Array) => encodeBase32NoPadding(secret);
export const secretFromBase32 = (text: string) => decodeBase32IgnorePadding(text.toUpperCase());

const stepAt = (ms: number) => Math.floor(ms / 1000 / TOTP.period);

/** The code of one step (tests and the README's examples use it too). */
export const totpAt = (secret: Uint8Array, step: number) => generateHOTP(secret, BigInt(step), TOTP.digits);

/** What a user typed, without the spaces or dashes apps show ("123 456"). */
const normalizeTotp = (code: string) => code.replace(/[\s-]/g, "");
export const looksLikeTotp = (code: string) => /^\d{6}$/.test(normalizeTotp(code));

/**
 * The step whose code this is, within one step either side of now, or null. The code is
 * only checked here; whether that step may still be used is decided by the conditional
 * update on mfa_factors.last_used_step (store.ts), so a replay loses even in a race.
 */
export function matchingStep(secret: Uint8Array, code: string, nowMs: number): number | null {
  const otp = normalizeTotp(code);
  if (!/^\d{6}$/.test(otp)) return null;
  const now = stepAt(nowMs);
  for (let step = now - TOTP.window; step <= now + TOTP.window; step++) {
    if (verifyHOTP(secret, BigInt(step), TOTP.digits, otp)) return step;
  }
  return null;
}

/** otpauth://totp/<issuer>:<email>?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30 (Google's Key Uri Format). */
export const otpauthUrl = (issuer: string, email: string, secret: Uint8Array) => createTOTPKeyURI(issuer, email, secret, TOTP.period, TOTP.digits);

/** The QR code of the otpauth URL as an SVG, drawn on the worker (uqr is plain JS). */
export const qrSvg = (url: string) => renderSVG(url, { ecc: "M", border: 2, pixelSize: 6 });

export const RECOVERY_CODE_COUNT = 10;

/**
 * A recovery code: 10 random bytes (80 bits) as 16 base32 characters in 4 groups,
 * "abcd-efgh-ijkl-mnop". Stored only as SHA-256: a fast hash is enough because the code
 * is random with 80 bits of entropy, so a leaked hash cannot be brute-forced (a slow hash
 * like bcrypt protects low-entropy, human-chosen passwords; here it would only add CPU).
 */
export function newRecoveryCode(): string {
  const text = encodeBase32NoPadding(crypto.getRandomValues(new Uint8Array(10))).toLowerCase();
  return text.match(/.{4}/g)!.join("-");
}

/** Case, spaces and dashes do not matter when a code is typed back. */
const normalizeRecoveryCode = (code: string) => code.replace(/[\s-]/g, "").toLowerCase();

/** The stored form of a recovery code, bound to its user. */
export const recoveryCodeHash = (userId: number, code: string) => sha256Hex(`mfa-recovery:${userId}:${normalizeRecoveryCode(code)}`);

/** The mfa_token a login hands out, and the hash its row is stored under. */
export const newMfaToken = () => randomToken(32);
export const mfaTokenHash = (token: string) => sha256Hex(`mfa-challenge:${token}`);
