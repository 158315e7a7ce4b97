import { api, claimsOf, registerUser } from "../support/api";

/**
 * An RFC 6238 implementation of the tests' own (WebCrypto HMAC, own base32), independent of
 * the worker's @oslojs/otp, so the two are checked against each other and the RFC.
 */
const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
export function base32Decode(text: string): Uint8Array {
  const clean = text.replace(/=+$/, "").toUpperCase();
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const i = B32.indexOf(ch);
    if (i < 0) throw new Error(`not base32: ${ch}`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return new Uint8Array(out);
}

export async function hotp(key: Uint8Array, counter: number, digits = 6, hash: "SHA-1" | "SHA-256" | "SHA-512" = "SHA-1"): Promise<string> {
  const msg = new Uint8Array(8);
  new DataView(msg.buffer).setBigUint64(0, BigInt(counter));
  const k = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash }, false, ["sign"]);
  const h = new Uint8Array(await crypto.subtle.sign("HMAC", k, msg));
  const o = h[h.length - 1]! & 0x0f;
  const bin = ((h[o]! & 0x7f) << 24) | (h[o + 1]! << 16) | (h[o + 2]! << 8) | h[o + 3]!;
  return String(bin % 10 ** digits).padStart(digits, "0");
}

export const stepNow = () => Math.floor(Date.now() / 30_000);

/** The code of the step `offset` steps from now, for a base32 secret. */
export const codeFor = (secret: string, offset = 0) => hotp(base32Decode(secret), stepNow() + offset);

/** Waits out the last seconds of a step, so "now ± 1" cannot move under a test. */
export async function awayFromStepEdge() {
  const into = (Date.now() / 1000) % 30;
  if (into > 25) await new Promise((r) => setTimeout(r, (30 - into) * 1000 + 200));
}

/** A registered user with TOTP enabled: its secret, recovery codes and the session that enrolled. */
export async function enrolledUser(confirmOffset = 0) {
  const u = await registerUser();
  const setup = await api("/api/user/mfa/totp/setup/", { token: u.access, body: { current_password: u.password } });
  if (setup.status !== 200) throw new Error(`setup: ${setup.status} ${JSON.stringify(setup.body)}`);
  await awayFromStepEdge();
  const confirm = await api("/api/user/mfa/totp/confirm/", { token: u.access, body: { code: await codeFor(setup.body.secret, confirmOffset) } });
  if (confirm.status !== 200) throw new Error(`confirm: ${confirm.status} ${JSON.stringify(confirm.body)}`);
  return { ...u, userId: claimsOf(u.access).user_id as number, secret: setup.body.secret as string, recoveryCodes: confirm.body.recovery_codes as string[] };
}

/** The first step of a login for an MFA user: its mfa_token. */
export async function mfaToken(email: string, password: string): Promise<string> {
  const res = await api("/api/user/login/", { body: { email, password } });
  if (res.status !== 200 || !res.body.mfa_token) throw new Error(`login: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.mfa_token;
}
