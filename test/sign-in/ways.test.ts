import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { createAccountWithoutPassword, hasPassword, keepsAWayIn, registerWayIn } from "../../src/features/sign-in";
import { findUserById } from "../../src/features/users";
import type { Deps } from "../../src/kernel/deps";
import { registerUser, uniqueEmail } from "../support/api";
import { testDeps, userByEmail } from "./helpers";

// A way in of this file's own, counting only the users it was told about (the registry is per isolate, shared by files).
const counted = new Map<number, number>();
try {
  registerWayIn({ name: "sign-in-test-way", count: async (_d, userId) => counted.get(userId) ?? 0 });
} catch {
  /* already registered by an earlier evaluation in this isolate */
}

/** Whether removing one of the user's ways would leave one: the condition a removal's DELETE carries, evaluated alone. */
async function keeps(d: Deps, userId: number): Promise<boolean> {
  const user = (await findUserById(d.db, userId))!;
  const row = await d.db.get<{ ok: number }>(sql`select ${await keepsAWayIn(d, user)} as ok`);
  return row.ok === 1;
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

describe("keepsAWayIn", () => {
  it("the password counts: removing the only other way of a user with a password is fine", async () => {
    const u = await registerUser();
    const user = await userByEmail(u.email);
    const { d } = testDeps();
    counted.set(user.id, 1);
    expect(await keeps(d, user.id)).toBe(true);
    counted.set(user.id, 0);
    expect(await keeps(d, user.id)).toBe(false);
  });

  it("without a password, the last registered way cannot go; one of two can", async () => {
    const { d } = testDeps();
    const { user } = await createAccountWithoutPassword(d, { email: uniqueEmail("ways"), name: null, tc: true, method: "oidc", provider: "acme" });
    counted.set(user.id, 1);
    expect(await keeps(d, user.id)).toBe(false);
    counted.set(user.id, 2);
    expect(await keeps(d, user.id)).toBe(true);
  });

  it("an imported unusable hash does not count as a password", async () => {
    const u = await registerUser();
    const user = await userByEmail(u.email);
    await env.DB.prepare("UPDATE users SET password = ? WHERE id = ?").bind("!unusable", user.id).run();
    counted.set(user.id, 1);
    expect(await keeps(testDeps().d, user.id)).toBe(false);
  });
});
