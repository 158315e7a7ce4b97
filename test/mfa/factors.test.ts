import { describe, expect, it } from "vitest";
import { registerSecondFactor, type SecondFactor } from "../../src/features/mfa";
import { verifySecondFactor } from "../../src/features/mfa/factors";
import type { Deps } from "../../src/kernel/deps";

// No storage is reached: TOTP and recovery codes see no field of theirs and step aside.
const d = {} as Deps;

describe("the second-factor registry", () => {
  const seen: unknown[] = [];
  const fake: SecondFactor = {
    name: "test_factor",
    async verify(_d, attempt) {
      if (attempt.body.test_assertion === undefined) return { kind: "not_applicable" };
      seen.push(attempt.challenge?.idHash);
      return attempt.body.test_assertion === "right" ? { kind: "ok", amr: "test" } : { kind: "wrong" };
    },
  };
  registerSecondFactor(fake);

  it("asks a factor registered from outside MFA, with the challenge, and takes its answer", async () => {
    const attempt = { userId: 1, challenge: { idHash: "h" }, totpSecret: "" };
    expect(await verifySecondFactor(d, { ...attempt, body: { test_assertion: "right" } })).toEqual({ kind: "ok", amr: "test" });
    expect(await verifySecondFactor(d, { ...attempt, body: { test_assertion: "nope" } })).toEqual({ kind: "wrong" });
    expect(seen).toEqual(["h", "h"]);
  });

  it("a body no factor is for is a wrong code, and a name registers once", async () => {
    expect(await verifySecondFactor(d, { userId: 1, body: {}, totpSecret: "" })).toEqual({ kind: "wrong" });
    expect(() => registerSecondFactor(fake)).toThrow(/twice/);
  });
});
