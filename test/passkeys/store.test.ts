import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { webauthnCeremonies } from "../../src/features/passkeys/schema";
import { countPasskeys, createCeremony, deleteExpiredCeremonies, deletePasskey, listPasskeys, renamePasskey, spendCeremony } from "../../src/features/passkeys/store";
import { passkeysCapability } from "../../src/features/passkeys";
import type { Env } from "../../src/kernel/config";
import { randomHex } from "../../src/kernel/crypto";
import { db, registered } from "./helpers";

describe("passkey store", () => {
  it("lists, renames and deletes a user's own passkeys only", async () => {
    const alice = await registered();
    const bob = await registered();
    expect((await listPasskeys(db, alice.user.id)).map((p) => p.id)).toEqual([alice.passkey.id]);
    expect(await renamePasskey(db, bob.user.id, alice.passkey.id, "Stolen")).toBeNull();
    expect(await renamePasskey(db, alice.user.id, alice.passkey.id, "Work laptop")).toMatchObject({ id: alice.passkey.id, name: "Work laptop" });
    expect(await deletePasskey(db, bob.user.id, alice.passkey.id)).toBe(false);
    expect(await countPasskeys(db, alice.user.id)).toBe(1);
    expect(await deletePasskey(db, alice.user.id, alice.passkey.id)).toBe(true);
    expect(await deletePasskey(db, alice.user.id, alice.passkey.id)).toBe(false);
    expect(await listPasskeys(db, alice.user.id)).toEqual([]);
    expect(await countPasskeys(db, bob.user.id)).toBe(1);
  });

  it("spends a ceremony once, and the cleanup deletes only expired ones", async () => {
    const live = randomHex(32);
    const old = randomHex(32);
    await createCeremony(db, live, { purpose: "signin", userId: null, expiresAt: new Date(Date.now() + 60_000) });
    await createCeremony(db, old, { purpose: "signin", userId: null, expiresAt: new Date(Date.now() - 1) });
    expect(await deleteExpiredCeremonies(db, new Date())).toBeGreaterThanOrEqual(1);
    expect(await db.select().from(webauthnCeremonies).where(eq(webauthnCeremonies.challengeHash, old)).get()).toBeUndefined();
    expect(await spendCeremony(db, live)).toMatchObject({ purpose: "signin", userId: null });
    expect(await spendCeremony(db, live)).toBeNull();
  });

  it("the daily cron deletes expired ceremonies (the capability's daily job)", async () => {
    const old = randomHex(32);
    const live = randomHex(32);
    await createCeremony(db, old, { purpose: "register", userId: null, expiresAt: new Date(Date.now() - 1) });
    await createCeremony(db, live, { purpose: "register", userId: null, expiresAt: new Date(Date.now() + 60_000) });
    await passkeysCapability.daily(env as unknown as Env);
    expect(await spendCeremony(db, old)).toBeNull();
    expect(await spendCeremony(db, live)).not.toBeNull();
  });
});
