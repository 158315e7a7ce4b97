import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { assertNotLastWayIn, createAccountWithoutPassword, hasPassword, registerWayIn } from "../../src/features/sign-in";
import { AppError } from "../../src/kernel/errors";
import { registerUser, uniqueEmail } from "../support/api";
import { testDeps, userByEmail } from "./helpers";

// A way in of this file's own, counting only the users it was told about (the registry is per isolate, shared by files).
const counted = new Map<number, number>();
try {
  registerWayIn({ name: "sign-in-test-way", count: async (_d, userId) => counted.get(userId) ?? 0 });
} catch {
  /* already registered by an earlier evaluation in this isolate */
}

async function lastWayRefusal(p: Promise<void>) {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).status).toBe(400);
  expect((err as AppError).body).toEqual({ non_field_errors: ["You cannot remove your last way to sign in."] });
}

describe("hasPassword", () => {
  it("is true only for a hash the worker can verify", async () => {
    const u = await registerUser();
    expect(hasPassword(await userByEmail(u.email))).toBe(true);
    expect(hasPassword({ password: "!" + "x".repeat(40) })).toBe(false); // Django's unusable password
    expect(hasPassword({ password: "argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdA$aGFzaA" })).toBe(false);
    expect(hasPassword({ password: "md5$salt$0123456789abcdef0123456789abcdef" })).toBe(false);
    expect(hasPassword({ password: "pbkdf2_sha256$5000000$salt$aGFzaA==" })).toBe(false); // too costly to check
    expect(hasPassword({ password: "" })).toBe(false);
  });
});

describe("assertNotLastWayIn", () => {
  it("the password counts: removing the only other way of a user with a password is fine", async () => {
    const u = await registerUser();
    const user = await userByEmail(u.email);
    counted.set(user.id, 1);
    const { d } = testDeps();
    await expect(assertNotLastWayIn(d, user.id)).resolves.toBeUndefined();
    await expect(assertNotLastWayIn(d, user.id, 1)).resolves.toBeUndefined();
    await lastWayRefusal(assertNotLastWayIn(d, user.id, 2));
  });

  it("without a password, the last registered way cannot go; one of two can", async () => {
    const { d } = testDeps();
    const { user } = await createAccountWithoutPassword(d, { email: uniqueEmail("ways"), name: null, tc: true, method: "oidc", provider: "acme" });
    counted.set(user.id, 1);
    await lastWayRefusal(assertNotLastWayIn(d, user.id));
    counted.set(user.id, 2);
    await expect(assertNotLastWayIn(d, user.id)).resolves.toBeUndefined();
    await lastWayRefusal(assertNotLastWayIn(d, user.id, 2));
  });

  it("an imported unusable hash does not count as a password", async () => {
    const u = await registerUser();
    const user = await userByEmail(u.email);
    await env.DB.prepare("UPDATE users SET password = ? WHERE id = ?").bind("!unusable", user.id).run();
    counted.set(user.id, 1);
    await lastWayRefusal(assertNotLastWayIn(testDeps().d, user.id));
  });
});
