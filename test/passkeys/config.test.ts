import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { AppError } from "../../src/kernel/errors";
import { getPasskeyConfig } from "../../src/features/passkeys/config";
import { derToRawP256 } from "../../src/features/passkeys/cose";

const withVars = (vars: Record<string, string>) => getPasskeyConfig({ ...env, ...vars } as any);

describe("passkey settings", () => {
  it("are off without WEBAUTHN_RP_ID", () => {
    expect(withVars({})).toBeNull();
    expect(withVars({ WEBAUTHN_RP_ID: "  ", WEBAUTHN_ORIGINS: "https://example.com" })).toBeNull();
  });

  it("take the RP ID, exact origins, and MFA_ISSUER as the default name", () => {
    expect(withVars({ WEBAUTHN_RP_ID: "Example.com", WEBAUTHN_ORIGINS: "https://example.com, https://app.example.com:8443", MFA_ISSUER: "Acme" })).toEqual({
      rpId: "example.com",
      rpName: "Acme",
      origins: ["https://example.com", "https://app.example.com:8443"],
    });
    expect(withVars({ WEBAUTHN_RP_ID: "localhost", WEBAUTHN_ORIGINS: "http://localhost:5173", WEBAUTHN_RP_NAME: "Dev" })).toEqual({
      rpId: "localhost",
      rpName: "Dev",
      origins: ["http://localhost:5173"],
    });
  });

  const invalid: [string, Record<string, string>][] = [
    ["an IP address as RP ID", { WEBAUTHN_RP_ID: "127.0.0.1", WEBAUTHN_ORIGINS: "http://localhost" }],
    ["a URL as RP ID", { WEBAUTHN_RP_ID: "https://example.com", WEBAUTHN_ORIGINS: "https://example.com" }],
    ["no origins", { WEBAUTHN_RP_ID: "example.com" }],
    ["an http origin that is not localhost", { WEBAUTHN_RP_ID: "example.com", WEBAUTHN_ORIGINS: "http://example.com" }],
    ["an origin outside the RP ID", { WEBAUTHN_RP_ID: "example.com", WEBAUTHN_ORIGINS: "https://example.com.evil.net" }],
    ["a parent of the RP ID as origin", { WEBAUTHN_RP_ID: "login.example.com", WEBAUTHN_ORIGINS: "https://example.com" }],
    ["an origin with a path", { WEBAUTHN_RP_ID: "example.com", WEBAUTHN_ORIGINS: "https://example.com/login" }],
    ["an origin with a trailing slash", { WEBAUTHN_RP_ID: "example.com", WEBAUTHN_ORIGINS: "https://example.com/" }],
    ["an origin with the default port written out", { WEBAUTHN_RP_ID: "example.com", WEBAUTHN_ORIGINS: "https://example.com:443" }],
    ["a localhost origin for another RP ID", { WEBAUTHN_RP_ID: "example.com", WEBAUTHN_ORIGINS: "http://localhost:8080" }],
  ];
  for (const [what, vars] of invalid) {
    it(`refuse ${what} as a configuration error (503)`, () => {
      let thrown: unknown;
      try {
        withVars(vars);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(AppError);
      expect((thrown as AppError).status).toBe(503);
    });
  }

  it("are parsed once per env object", () => {
    const e = { ...env, WEBAUTHN_RP_ID: "example.com", WEBAUTHN_ORIGINS: "https://example.com" } as any;
    expect(getPasskeyConfig(e)).toBe(getPasskeyConfig(e));
  });
});

describe("ECDSA signature DER decoding", () => {
  const der = (...bytes: number[]) => new Uint8Array(bytes);
  it("pads short integers and strips the sign byte", () => {
    const r = [0x00, 0x80, ...new Array(31).fill(1)];
    const raw = derToRawP256(der(0x30, 2 + 33 + 2 + 1, 0x02, 33, ...r, 0x02, 1, 0x05));
    expect(raw).not.toBeNull();
    expect(raw!.slice(0, 32)).toEqual(new Uint8Array([0x80, ...new Array(31).fill(1)]));
    expect(raw!.slice(32)).toEqual(new Uint8Array([...new Array(31).fill(0), 5]));
  });
  it("refuses non-minimal, negative, oversized or trailing encodings", () => {
    expect(derToRawP256(der(0x30, 6, 0x02, 1, 0x85, 0x02, 1, 0x05))).toBeNull(); // negative
    expect(derToRawP256(der(0x30, 7, 0x02, 2, 0x00, 0x05, 0x02, 1, 0x05))).toBeNull(); // needless zero
    expect(derToRawP256(der(0x30, 7, 0x02, 1, 0x05, 0x02, 1, 0x05, 0x00))).toBeNull(); // length mismatch
    expect(derToRawP256(der(0x30, 6, 0x02, 1, 0x05, 0x02, 1, 0x05, 0x00))).toBeNull(); // trailing byte
    expect(derToRawP256(new Uint8Array([0x30, 38, 0x02, 34, 0x01, ...new Array(33).fill(1), 0x02, 1, 5].slice(0, 40)))).toBeNull();
  });
});
