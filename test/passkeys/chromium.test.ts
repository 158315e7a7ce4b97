import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/kernel/crypto";
import type { PasskeyConfig } from "../../src/features/passkeys/config";
import { finishRegistration, finishSignIn } from "../../src/features/passkeys/service";
import { createCeremony, userHandleOf } from "../../src/features/passkeys/store";
import recorded from "../fixtures/chromium-webauthn.json";
import { db, deps, newUser } from "./helpers";

/**
 * Passkeys made by Chromium's virtual authenticator (test/browser/webauthn-probe.mjs --out
 * test/fixtures/chromium-webauthn.json): a real browser's encodings (toJSON, CBOR, COSE, DER)
 * pass the worker's checks, for each algorithm. Their ceremonies are put in D1 as the options
 * routes would have, since the browser answered challenges of its own run.
 */
const config: PasskeyConfig = { rpId: "localhost", rpName: "edge-auth", origins: [recorded.origin] };
const inFiveMinutes = () => new Date(Date.now() + 300_000);

describe(`passkeys made by Chromium ${recorded.browser}`, () => {
  for (const c of recorded.ceremonies) {
    const alg = c.registration.credential.response.publicKeyAlgorithm;
    it(`registers and signs in with its ${alg} passkey`, async () => {
      const { d } = deps();
      const user = await newUser();
      await userHandleOf(db, user.id, c.registration.options.user.id);
      await createCeremony(db, sha256Hex(c.registration.options.challenge), { purpose: "register", userId: user.id, expiresAt: inFiveMinutes() });
      const reg = await finishRegistration(d, config, user, c.registration.credential, "Chromium");
      expect(reg).toMatchObject({ kind: "ok", passkey: { alg, transports: ["internal"], backupEligible: false } });

      await createCeremony(db, sha256Hex(c.authentication.options.challenge), { purpose: "signin", userId: null, expiresAt: inFiveMinutes() });
      const signIn = await finishSignIn(d, config, c.authentication.credential);
      expect(signIn).toMatchObject({ kind: "ok", userId: user.id, passkey: { counter: c.stored[0]!.signCount } });
    });
  }
});
