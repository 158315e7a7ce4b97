import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { fromBase64url, sha256Hex } from "../../src/kernel/crypto";
import { passkeys, webauthnCeremonies } from "../../src/features/passkeys/schema";
import { beginSecondStep, beginSignIn, finishSecondStep, finishSignIn } from "../../src/features/passkeys/service";
import { b64u, fromB64u, type CreateOverrides, type Overrides } from "../support/soft-authenticator";
import { config, db, deactivate, deps, registered } from "./helpers";

const storedRow = async (id: number) => (await db.select().from(passkeys).where(eq(passkeys.id, id)).get())!;

/** A sign-in by a freshly registered passkey, the answer bent by `o` (and `edit`). */
async function signIn(create: CreateOverrides = {}, o: Overrides = {}, edit?: (json: any) => void) {
  const reg = await registered(create);
  const { d, events } = deps();
  const options = await beginSignIn(d, config);
  const json = await reg.auth.get(options, reg.credential, o);
  edit?.(json);
  return { ...reg, result: await finishSignIn(d, config, json), events, json };
}

describe("passkey sign-in (discoverable)", () => {
  it("answers request options with rpId, no allowCredentials and UV required", async () => {
    const options = await beginSignIn(deps().d, config);
    expect(fromBase64url(options.challenge)!.length).toBe(32);
    expect(options).toEqual({ challenge: options.challenge, timeout: 300000, rpId: "example.com", allowCredentials: [], userVerification: "required" });
  });

  for (const alg of [-8, -7, -257] as const) {
    it(`signs in with a ${alg} passkey and records counter, BS and last use`, async () => {
      const { result, user, passkey } = await signIn({ alg, counter: 3 });
      expect(result).toMatchObject({ kind: "ok", userId: user.id, passkey: { id: passkey.id, counter: 4 } });
      const row = await storedRow(passkey.id);
      expect(row.counter).toBe(4);
      expect(row.lastUsedAt).toBeInstanceOf(Date);
    });
  }

  it("accepts an assertion from another listed origin", async () => {
    expect((await signIn({}, { origin: "https://login.example.com" })).result.kind).toBe("ok");
  });

  it("updates BS when a synced passkey's backup state changes", async () => {
    const { result, passkey } = await signIn({ be: true, bs: false }, { flags: { bs: true } });
    expect(result.kind).toBe("ok");
    expect((await storedRow(passkey.id)).backedUp).toBe(true);
  });

  const refusals: [string, CreateOverrides, Overrides, string][] = [
    ["a wrong origin", {}, { origin: "https://evil.example.net" }, "origin"],
    ["crossOrigin true", {}, { crossOrigin: true }, "cross_origin"],
    ["another RP ID's hash", {}, { rpId: "evil.example.net" }, "rp_id"],
    ["no UV", {}, { flags: { uv: false } }, "user_verified"],
    ["no UP", {}, { flags: { up: false } }, "user_present"],
    ["type webauthn.create", {}, { type: "webauthn.create" }, "type"],
    ["BE that changed (set)", { be: false }, { flags: { be: true } }, "backup_eligible"],
    ["BE that changed (cleared)", { be: true, bs: false }, { flags: { be: false } }, "backup_eligible"],
    ["no userHandle", {}, { userHandle: null }, "user_handle"],
    ["another userHandle", {}, { userHandle: b64u(new Uint8Array(32).fill(1)) }, "user_handle"],
    ["an unknown challenge", {}, { challenge: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }, "challenge"],
  ];
  for (const [what, create, o, reason] of refusals) {
    it(`refuses ${what}`, async () => {
      const { result, passkey } = await signIn(create, o);
      expect(result).toEqual({ kind: "refused", reason });
      expect((await storedRow(passkey.id)).lastUsedAt).toBeNull();
    });
  }

  for (const alg of [-8, -7, -257] as const) {
    it(`refuses a tampered ${alg} signature, and a signature over other data`, async () => {
      const flipped = await signIn({ alg }, {}, (json) => {
        const sig = fromB64u(json.response.signature);
        sig[sig.length - 5]! ^= 0x01;
        json.response.signature = b64u(sig);
      });
      expect(flipped.result).toEqual({ kind: "refused", reason: "signature" });
      const otherData = await signIn({ alg }, {}, (json) => {
        const ad = fromB64u(json.response.authenticatorData);
        ad[36]! ^= 0x01; // the counter's last byte: signed data no longer matches
        json.response.authenticatorData = b64u(ad);
      });
      expect(otherData.result).toEqual({ kind: "refused", reason: "signature" });
    });
  }

  it("refuses an unknown credential", async () => {
    const { result } = await signIn({}, {}, (json) => {
      json.id = json.rawId = b64u(crypto.getRandomValues(new Uint8Array(32)));
    });
    expect(result).toEqual({ kind: "refused", reason: "unknown_credential" });
  });

  it("refuses an inactive user", async () => {
    const reg = await registered();
    await deactivate(reg.user.id);
    const { d } = deps();
    const options = await beginSignIn(d, config);
    expect(await finishSignIn(d, config, await reg.auth.get(options, reg.credential))).toEqual({ kind: "refused", reason: "inactive_user" });
  });

  it("refuses a replayed assertion and an expired ceremony", async () => {
    const reg = await registered({ be: true });
    const { d } = deps();
    const options = await beginSignIn(d, config);
    const json = await reg.auth.get(options, reg.credential);
    expect((await finishSignIn(d, config, json)).kind).toBe("ok");
    expect(await finishSignIn(d, config, json)).toEqual({ kind: "refused", reason: "challenge" });

    const late = await beginSignIn(d, config);
    await db.update(webauthnCeremonies).set({ expiresAt: new Date(Date.now() - 1) }).where(eq(webauthnCeremonies.challengeHash, sha256Hex(late.challenge)));
    expect(await finishSignIn(d, config, await reg.auth.get(late, reg.credential))).toEqual({ kind: "refused", reason: "challenge" });
  });

  it("of two concurrent uses of one ceremony exactly one wins", async () => {
    const reg = await registered({ be: true });
    const { d } = deps();
    const options = await beginSignIn(d, config);
    const json = await reg.auth.get(options, reg.credential);
    const results = await Promise.all([finishSignIn(d, config, json), finishSignIn(d, config, json)]);
    expect(results.map((r) => r.kind).sort()).toEqual(["ok", "refused"]);
  });

  it("refuses a registration ceremony's challenge at sign-in", async () => {
    const reg = await registered();
    const { d } = deps();
    const { beginRegistration } = await import("../../src/features/passkeys/service");
    const options = await beginRegistration(d, config, reg.user);
    const json = await reg.auth.get({ challenge: options.challenge, rpId: "example.com" }, reg.credential);
    expect(await finishSignIn(d, config, json)).toEqual({ kind: "refused", reason: "challenge" });
  });

  describe("the sign counter", () => {
    it("refuses a counter that does not grow on a device-bound key, and logs the regression", async () => {
      const reg = await registered({ counter: 10 });
      const { d, events } = deps();
      for (const counter of [10, 9, 0]) {
        const json = await reg.auth.get(await beginSignIn(d, config), reg.credential, { counter });
        expect(await finishSignIn(d, config, json)).toEqual({ kind: "refused", reason: "counter_regression" });
      }
      expect(events.filter((e) => e.name === "passkey.counter_regression")).toHaveLength(3);
      expect((await storedRow(reg.passkey.id)).counter).toBe(10);
      const json = await reg.auth.get(await beginSignIn(d, config), reg.credential, { counter: 11 });
      expect((await finishSignIn(d, config, json)).kind).toBe("ok");
    });

    it("accepts a device-bound key that never counts (0 stays 0), but not a drop to 0", async () => {
      const zero = await registered({ counter: 0, counterStep: 0 });
      const { d } = deps();
      for (let i = 0; i < 2; i++) {
        const json = await zero.auth.get(await beginSignIn(d, config), zero.credential);
        expect((await finishSignIn(d, config, json)).kind).toBe("ok");
      }
      const counting = await registered({ counter: 0 });
      expect((await finishSignIn(d, config, await counting.auth.get(await beginSignIn(d, config), counting.credential, { counter: 1 }))).kind).toBe("ok");
      expect(await finishSignIn(d, config, await counting.auth.get(await beginSignIn(d, config), counting.credential, { counter: 0 }))).toEqual({
        kind: "refused",
        reason: "counter_regression",
      });
    });

    it("of two concurrent assertions with one counter value (a clone) at most one passes", async () => {
      const reg = await registered({ counter: 4 });
      const { d } = deps();
      const [a, b] = [await beginSignIn(d, config), await beginSignIn(d, config)];
      const answers = [await reg.auth.get(a, reg.credential, { counter: 5 }), await reg.auth.get(b, reg.credential, { counter: 5 })];
      const results = await Promise.all(answers.map((json) => finishSignIn(d, config, json)));
      expect(results.map((r) => r.kind).sort()).toEqual(["ok", "refused"]);
      expect(results.find((r) => r.kind === "refused")).toEqual({ kind: "refused", reason: "counter_regression" });
    });

    it("ignores the counter of a backup-eligible (synced) passkey", async () => {
      const reg = await registered({ be: true, bs: true, counter: 10 });
      const { d, events } = deps();
      for (const counter of [10, 3, 0]) {
        const json = await reg.auth.get(await beginSignIn(d, config), reg.credential, { counter });
        expect((await finishSignIn(d, config, json)).kind).toBe("ok");
      }
      expect(events.some((e) => e.name === "passkey.counter_regression")).toBe(false);
    });
  });
});

describe("passkey as the second step", () => {
  it("allows the user's passkeys with UV preferred", async () => {
    const reg = await registered();
    const options = await beginSecondStep(deps().d, config, reg.user.id);
    expect(options).toMatchObject({ rpId: "example.com", userVerification: "preferred", timeout: 300000 });
    expect(options.allowCredentials).toEqual([{ type: "public-key", id: reg.passkey.credentialId, transports: ["hybrid", "internal"] }]);
  });

  it("does not need UV (or a userHandle) but needs UP", async () => {
    const reg = await registered();
    const { d } = deps();
    const noUv = await reg.auth.get(await beginSecondStep(d, config, reg.user.id), reg.credential, { flags: { uv: false }, userHandle: null });
    expect(await finishSecondStep(d, config, reg.user.id, noUv)).toMatchObject({ kind: "ok", userId: reg.user.id });
    const noUp = await reg.auth.get(await beginSecondStep(d, config, reg.user.id), reg.credential, { flags: { up: false } });
    expect(await finishSecondStep(d, config, reg.user.id, noUp)).toEqual({ kind: "refused", reason: "user_present" });
  });

  it("refuses another user's credential, and another user's ceremony", async () => {
    const alice = await registered();
    const mallory = await registered();
    const { d } = deps();
    const own = await mallory.auth.get(await beginSecondStep(d, config, alice.user.id), mallory.credential);
    expect(await finishSecondStep(d, config, alice.user.id, own)).toEqual({ kind: "refused", reason: "unknown_credential" });
    const theirs = await alice.auth.get(await beginSecondStep(d, config, mallory.user.id), alice.credential);
    expect(await finishSecondStep(d, config, alice.user.id, theirs)).toEqual({ kind: "refused", reason: "challenge" });
  });

  it("refuses a sign-in ceremony's challenge, and a sign-in answer's ceremony at the second step", async () => {
    const reg = await registered();
    const { d } = deps();
    const json = await reg.auth.get(await beginSignIn(d, config), reg.credential);
    expect(await finishSecondStep(d, config, reg.user.id, json)).toEqual({ kind: "refused", reason: "challenge" });
    const step = await reg.auth.get(await beginSecondStep(d, config, reg.user.id), reg.credential);
    expect(await finishSignIn(d, config, step)).toEqual({ kind: "refused", reason: "challenge" });
  });
});
