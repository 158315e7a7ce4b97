import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { fromBase64url, sha256Hex } from "../../src/kernel/crypto";
import { webauthnCeremonies } from "../../src/features/passkeys/schema";
import { beginRegistration, finishRegistration, passkeyView } from "../../src/features/passkeys/service";
import { listPasskeys } from "../../src/features/passkeys/store";
import { SoftAuthenticator, b64u, encodeCbor, fromB64u, type CreateOverrides } from "../support/soft-authenticator";
import { config, db, deps, newUser, registered } from "./helpers";

/** One registration attempt, the authenticator's answer bent by `o` (and `edit`). */
async function attempt(o: CreateOverrides = {}, edit?: (json: any) => void) {
  const { d, events } = deps();
  const user = await newUser();
  const options = await beginRegistration(d, config, user);
  const { json } = await new SoftAuthenticator().create(options, o);
  edit?.(json);
  const result = await finishRegistration(d, config, user, json);
  return { result, user, options, json, events, d };
}

describe("passkey registration", () => {
  it("answers creation options in the WebAuthn JSON form the contract lists", async () => {
    const { d } = deps();
    const user = await newUser();
    const options = await beginRegistration(d, config, user);
    expect(fromBase64url(options.challenge)!.length).toBe(32);
    expect(options).toMatchObject({
      rp: { id: "example.com", name: "edge-auth" },
      user: { name: user.email, displayName: "Pat Passkey" },
      pubKeyCredParams: [
        { type: "public-key", alg: -8 },
        { type: "public-key", alg: -7 },
        { type: "public-key", alg: -257 },
      ],
      timeout: 300000,
      attestation: "none",
      authenticatorSelection: { residentKey: "required", requireResidentKey: true, userVerification: "required" },
      excludeCredentials: [],
    });
    const handle = fromBase64url(options.user.id)!;
    expect(handle.length).toBe(32);
    const text = new TextDecoder().decode(handle);
    expect(text).not.toContain(user.email);
    expect(text).not.toBe(String(user.id));
    // Fixed per user; a fresh challenge each time.
    const again = await beginRegistration(d, config, user);
    expect(again.user.id).toBe(options.user.id);
    expect(again.challenge).not.toBe(options.challenge);
    expect((await beginRegistration(d, config, await newUser())).user.id).not.toBe(options.user.id);
  });

  for (const alg of [-8, -7, -257] as const) {
    it(`registers a ${alg} credential, stores its key, flags and counter, and excludes it next time`, async () => {
      const { user, credential, passkey } = await registered({ alg, counter: 7 });
      expect(passkey).toMatchObject({ userId: user.id, alg, counter: 7, backupEligible: false, backedUp: false, name: "Laptop", transports: ["hybrid", "internal"] });
      expect(fromB64u(passkey.credentialId)).toEqual(credential.id);
      const view = passkeyView(passkey);
      expect(Object.keys(view).sort()).toEqual(["backed_up", "backup_eligible", "created_at", "credential_id", "id", "last_used_at", "name", "transports"]);
      const next = await beginRegistration(deps().d, config, user);
      expect(next.excludeCredentials).toEqual([{ type: "public-key", id: passkey.credentialId, transports: ["hybrid", "internal"] }]);
    });
  }

  it("stores BE and BS of a synced passkey, and names it 'Passkey' by default", async () => {
    const { result } = await attempt({ be: true, bs: true });
    expect(result).toMatchObject({ kind: "ok", passkey: { backupEligible: true, backedUp: true, name: "Passkey" } });
  });

  it("accepts any attestation format without verifying it", async () => {
    const { d } = deps();
    const user = await newUser();
    const options = await beginRegistration(d, config, user);
    const { json } = await new SoftAuthenticator().create(options);
    // Swap in a "packed" statement with a meaningless signature.
    const authData = fromB64u(json.response.authenticatorData);
    const att = new Map<string, any>([["fmt", "packed"], ["attStmt", new Map<string, any>([["alg", -7], ["sig", new Uint8Array(8)]])], ["authData", authData]]);
    json.response.attestationObject = b64u(encodeCbor(att));
    expect((await finishRegistration(d, config, user, json)).kind).toBe("ok");
  });

  const refusals: [string, CreateOverrides, string][] = [
    ["an origin not in WEBAUTHN_ORIGINS", { origin: "https://evil.example.net" }, "origin"],
    ["an origin under the RP ID but not listed", { origin: "https://other.example.com" }, "origin"],
    ["crossOrigin true", { crossOrigin: true }, "cross_origin"],
    ["another RP ID's hash", { rpId: "evil.example.net" }, "rp_id"],
    ["UP not set", { flags: { up: false } }, "user_present"],
    ["UV not set", { flags: { uv: false } }, "user_verified"],
    ["type webauthn.get", { type: "webauthn.get" }, "type"],
    ["BS without BE", { flags: { be: false, bs: true } }, "backup_state"],
    ["a credential id over 1023 bytes", { credentialId: new Uint8Array(1024).fill(7) }, "credential_id"],
    ["an unknown challenge", { challenge: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }, "challenge"],
  ];
  for (const [what, o, reason] of refusals) {
    it(`refuses ${what}`, async () => {
      const { result, user } = await attempt(o);
      expect(result).toEqual({ kind: "refused", reason });
      expect(await listPasskeys(db, user.id)).toEqual([]);
    });
  }

  it("accepts a credential id of exactly 1023 bytes", async () => {
    expect((await attempt({ credentialId: new Uint8Array(1023).fill(9) })).result.kind).toBe("ok");
  });

  it("refuses a response without attested credential data (AT unset)", async () => {
    const { d } = deps();
    const user = await newUser();
    const options = await beginRegistration(d, config, user);
    const { json } = await new SoftAuthenticator().create(options);
    const auth = fromB64u(json.response.authenticatorData).slice(0, 37);
    auth[32] = auth[32]! & ~0x40;
    json.response.attestationObject = b64u(encodeCbor(new Map<string, any>([["fmt", "none"], ["attStmt", new Map()], ["authData", auth]])));
    expect(await finishRegistration(d, config, user, json)).toEqual({ kind: "refused", reason: "attested_credential" });
  });

  it("refuses a credential whose id differs from the one in authenticatorData", async () => {
    const { result } = await attempt({}, (json) => {
      json.id = json.rawId = "AAAAAAAAAAAAAAAAAAAAAA";
    });
    expect(result).toEqual({ kind: "refused", reason: "credential_id" });
  });

  it("refuses malformed responses without throwing", async () => {
    const { d } = deps();
    const user = await newUser();
    for (const bad of [null, 42, "x", {}, { id: "a", rawId: "b", type: "public-key", response: {} }, { id: "!!", rawId: "!!", type: "public-key", response: { clientDataJSON: "e30", attestationObject: "oA" } }]) {
      expect(await finishRegistration(d, config, user, bad)).toEqual({ kind: "refused", reason: "malformed" });
    }
  });

  it("spends the ceremony at the first answer, even a wrong one: a replay or a corrected retry is refused", async () => {
    const { d } = deps();
    const user = await newUser();
    const options = await beginRegistration(d, config, user);
    const auth = new SoftAuthenticator();
    const wrong = await auth.create(options, { origin: "https://evil.example.net" });
    expect(await finishRegistration(d, config, user, wrong.json)).toEqual({ kind: "refused", reason: "origin" });
    const right = await auth.create(options);
    expect(await finishRegistration(d, config, user, right.json)).toEqual({ kind: "refused", reason: "challenge" });

    const options2 = await beginRegistration(d, config, user);
    const ok = await auth.create(options2);
    expect((await finishRegistration(d, config, user, ok.json)).kind).toBe("ok");
    const other = await auth.create(options2);
    expect(await finishRegistration(d, config, user, other.json)).toEqual({ kind: "refused", reason: "challenge" });
  });

  it("of two concurrent answers to one ceremony exactly one wins", async () => {
    const { d } = deps();
    const user = await newUser();
    const options = await beginRegistration(d, config, user);
    const auth = new SoftAuthenticator();
    const [a, b] = await Promise.all([auth.create(options), auth.create(options)]);
    const results = await Promise.all([finishRegistration(d, config, user, a.json), finishRegistration(d, config, user, b.json)]);
    expect(results.map((r) => r.kind).sort()).toEqual(["ok", "refused"]);
  });

  it("refuses an expired ceremony", async () => {
    const { d } = deps();
    const user = await newUser();
    const options = await beginRegistration(d, config, user);
    const hash = sha256Hex(options.challenge);
    await db.update(webauthnCeremonies).set({ expiresAt: new Date(Date.now() - 1) }).where(eq(webauthnCeremonies.challengeHash, hash));
    const { json } = await new SoftAuthenticator().create(options);
    expect(await finishRegistration(d, config, user, json)).toEqual({ kind: "refused", reason: "challenge" });
  });

  it("refuses another user's registration ceremony", async () => {
    const { d } = deps();
    const alice = await newUser();
    const mallory = await newUser();
    const options = await beginRegistration(d, config, alice);
    const { json } = await new SoftAuthenticator().create(options);
    expect(await finishRegistration(d, config, mallory, json)).toEqual({ kind: "refused", reason: "challenge" });
  });

  it("refuses a credential id already registered, to anyone", async () => {
    const { credential } = await registered();
    const { result, user } = await attempt({ credentialId: credential.id });
    expect(result).toEqual({ kind: "refused", reason: "duplicate_credential" });
    expect(await listPasskeys(db, user.id)).toEqual([]);
  });
});
