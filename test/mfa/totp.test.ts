import { generateHOTP } from "@oslojs/otp";
import { describe, expect, it } from "vitest";
import type { Config } from "../../src/kernel/config";
import { decryptSecret, encryptSecret, keyId } from "../../src/features/mfa/secrets";
import { matchingStep, newRecoveryCode, otpauthUrl, secretFromBase32, secretToBase32, totpAt } from "../../src/features/mfa/totp";
import { base32Decode, hotp } from "./helpers";

const RFC_SECRET = new TextEncoder().encode("12345678901234567890");

// RFC 6238 Appendix B, SHA-1 column: (time, 8-digit TOTP).
const RFC6238_SHA1: [number, string][] = [
  [59, "94287082"],
  [1111111109, "07081804"],
  [1111111111, "14050471"],
  [1234567890, "89005924"],
  [2000000000, "69279037"],
  [20000000000, "65353130"],
];
// RFC 4226 Appendix D: HOTP(counter) with 6 digits for the same secret.
const RFC4226: string[] = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"];

describe("TOTP (RFC 6238, SHA-1, 30 s)", () => {
  it("matches RFC 6238's SHA-1 test vectors, in @oslojs/otp and in the tests' own implementation", async () => {
    for (const [time, expected] of RFC6238_SHA1) {
      const step = Math.floor(time / 30);
      expect(generateHOTP(RFC_SECRET, BigInt(step), 8)).toBe(expected);
      expect(await hotp(RFC_SECRET, step, 8)).toBe(expected);
      // The 6-digit code is the 8-digit one mod 10^6.
      expect(totpAt(RFC_SECRET, step)).toBe(expected.slice(2));
    }
  });

  it("matches RFC 4226's 6-digit HOTP vectors", async () => {
    for (const [counter, expected] of RFC4226.entries()) {
      expect(totpAt(RFC_SECRET, counter)).toBe(expected);
      expect(await hotp(RFC_SECRET, counter)).toBe(expected);
    }
  });

  it("accepts the current step and one either side, nothing further, and says which step matched", () => {
    const now = 1111111111 * 1000;
    const step = Math.floor(now / 30_000);
    for (const offset of [-1, 0, 1]) expect(matchingStep(RFC_SECRET, totpAt(RFC_SECRET, step + offset), now)).toBe(step + offset);
    for (const offset of [-2, 2]) expect(matchingStep(RFC_SECRET, totpAt(RFC_SECRET, step + offset), now)).toBeNull();
    // Apps show "123 456": the space does not matter.
    expect(matchingStep(RFC_SECRET, totpAt(RFC_SECRET, step).replace(/^(...)/, "$1 "), now)).toBe(step);
    expect(matchingStep(RFC_SECRET, "abcdef", now)).toBeNull();
  });

  it("shows the secret as RFC 4648 base32 of the raw bytes (what oathtool -b and the apps decode)", () => {
    const b32 = secretToBase32(RFC_SECRET);
    expect(b32).toBe("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    expect(base32Decode(b32)).toEqual(RFC_SECRET);
    expect(secretFromBase32(b32.toLowerCase())).toEqual(RFC_SECRET);
    const url = new URL(otpauthUrl("edge-auth", "ada@example.com", RFC_SECRET));
    expect(url.protocol).toBe("otpauth:");
    expect(url.searchParams.get("secret")).toBe(b32);
    expect(url.searchParams.get("issuer")).toBe("edge-auth");
    expect(url.searchParams.get("algorithm")).toBe("SHA1");
    expect(url.searchParams.get("digits")).toBe("6");
    expect(url.searchParams.get("period")).toBe("30");
    expect(decodeURIComponent(url.pathname)).toContain("edge-auth:ada@example.com");
  });

  it("makes recovery codes of 16 base32 characters (80 bits) in groups of 4", () => {
    const codes = new Set(Array.from({ length: 50 }, newRecoveryCode));
    expect(codes.size).toBe(50);
    for (const c of codes) expect(c).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
  });
});

describe("TOTP secrets at rest (AES-GCM under MFA_ENCRYPTION_KEY)", () => {
  const OLD = "old-mfa-key-0123456789-abcdefghijklmnopqrstuv";
  const NEW = "new-mfa-key-0123456789-abcdefghijklmnopqrstuv";
  const cfg = (...keys: string[]) => ({ mfaKeys: keys }) as unknown as Config;

  it("carries the key id, so after a rotation old ciphertexts still open and new ones use the new key", async () => {
    const before = cfg(OLD);
    const stored = await encryptSecret(before, 7, RFC_SECRET);
    expect(stored.split(".").slice(0, 2)).toEqual(["v1", keyId(OLD)]);
    expect(stored).not.toContain(secretToBase32(RFC_SECRET));
    const rotated = cfg(NEW, OLD);
    expect(await decryptSecret(rotated, 7, stored)).toEqual(RFC_SECRET);
    const fresh = await encryptSecret(rotated, 7, RFC_SECRET);
    expect(fresh.split(".")[1]).toBe(keyId(NEW));
    // Once the old key is removed, its ciphertexts are a 503 (logged), not a login without MFA.
    await expect(decryptSecret(cfg(NEW), 7, stored)).rejects.toMatchObject({ status: 503 });
  });

  it("binds a ciphertext to its user: copied to another user's row it does not open", async () => {
    const stored = await encryptSecret(cfg(NEW), 7, RFC_SECRET);
    await expect(decryptSecret(cfg(NEW), 8, stored)).rejects.toMatchObject({ status: 503 });
    await expect(encryptSecret(cfg(), 7, RFC_SECRET)).rejects.toMatchObject({ status: 503 });
  });
});
