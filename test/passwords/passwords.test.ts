import bcrypt from "bcryptjs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { hashPassword, isSupportedHash, verifyAgainstDummy, verifyPassword } from "../../src/features/passwords/hashing";
import { pbkdf2Sha256 } from "../../src/features/passwords/django-hashers";
// A copy of ../shared/fixtures/django: tests run inside workerd, with no filesystem.
import fixtures from "../fixtures/django-hashes.json";

// Cost 4 keeps the suite fast; the Django fixtures bring their own cost 12.
const COST = 4;
// A 260,000-iteration PBKDF2 in @noble/hashes takes ~2 s here (vitest.config.ts pre-bundles
// sha2.js; without that, ~10 s). So each Django fixture is verified exactly once, and the
// wrong-password and needsRehash paths of every format are shown on cheap hashes made here.
const SLOW = { timeout: 60_000 };

afterEach(() => {
  vi.restoreAllMocks();
});

/** Django's pbkdf2_sha256 string for a password, computed with WebCrypto (local workerd accepts any count). */
async function djangoPbkdf2(password: string, salt: string, iterations: number): Promise<string> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", enc.encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: enc.encode(salt), iterations }, key, 256);
  return `pbkdf2_sha256$${iterations}$${salt}$${btoa(String.fromCharCode(...new Uint8Array(bits)))}`;
}

function fixture(password: string): string {
  const found = fixtures.hashes.find((h) => h.password === password);
  if (!found) throw new Error(`no fixture for ${password}`);
  return found.hash;
}

describe("hashPassword / verifyPassword", () => {
  it("round-trips and rejects a wrong password", async () => {
    const stored = await hashPassword("s3cret-Passw0rd", COST);
    expect(await verifyPassword("s3cret-Passw0rd", stored, COST)).toEqual({ ok: true, needsRehash: false });
    expect(await verifyPassword("s3cret-Passw0rd!", stored, COST)).toEqual({ ok: false, needsRehash: false });
  });

  it("stores Django's bcrypt_sha256 format with a $2b$ prefix", async () => {
    expect(await hashPassword("x", COST)).toMatch(/^bcrypt_sha256\$\$2b\$04\$[./A-Za-z0-9]{53}$/);
    expect(await hashPassword("x", 10)).toMatch(/^bcrypt_sha256\$\$2b\$10\$/);
  });

  it("refuses an out-of-range cost instead of letting bcryptjs clamp it", async () => {
    await expect(hashPassword("x", 3)).rejects.toThrow(RangeError);
    await expect(hashPassword("x", 32)).rejects.toThrow(RangeError);
  });

  it("does not truncate at bcrypt's 72 bytes", async () => {
    const a = `${"p".repeat(99)}a`;
    const b = `${"p".repeat(99)}b`;
    // Plain bcrypt would accept b for a: that is the bug the prehash avoids.
    expect(bcrypt.compareSync(b, bcrypt.hashSync(a, COST))).toBe(true);
    const stored = await hashPassword(a, COST);
    expect((await verifyPassword(a, stored, COST)).ok).toBe(true);
    expect((await verifyPassword(b, stored, COST)).ok).toBe(false);
  });

  it("handles unicode passwords byte-exactly (no normalisation, like Django)", async () => {
    const nfc = "pässwörd-ünïcode-✓-🔐-密码";
    const stored = await hashPassword(nfc, COST);
    expect((await verifyPassword(nfc, stored, COST)).ok).toBe(true);
    expect((await verifyPassword(nfc.normalize("NFD"), stored, COST)).ok).toBe(false);
  });

  it("handles the longest password the HTTP layer lets through", async () => {
    const long = "é".repeat(4096);
    const stored = await hashPassword(long, COST);
    expect((await verifyPassword(long, stored, COST)).ok).toBe(true);
    expect((await verifyPassword(`${long.slice(0, -1)}e`, stored, COST)).ok).toBe(false);
  });
});

describe("needsRehash", () => {
  it("is set when the cost differs", async () => {
    const stored = await hashPassword("pw", COST);
    expect(await verifyPassword("pw", stored, COST + 1)).toEqual({ ok: true, needsRehash: true });
  });

  it("is set for Django's pbkdf2_sha256 and plain bcrypt, even at our cost", async () => {
    expect(await verifyPassword("short-iter-pbkdf2", fixture("short-iter-pbkdf2"), COST)).toEqual({ ok: true, needsRehash: true });
    // bcrypt$ over the raw password (Django's BCryptPasswordHasher), at our cost: only the format differs.
    expect(await verifyPassword("plain-bcrypt", `bcrypt$${bcrypt.hashSync("plain-bcrypt", COST)}`, COST)).toEqual({ ok: true, needsRehash: true });
  });

  it("is not set for a bcrypt_sha256 hash at our cost, but is for a $2a$ one", async () => {
    const ours = await hashPassword("pw-2a", COST);
    expect(await verifyPassword("pw-2a", ours, COST)).toEqual({ ok: true, needsRehash: false });
    // $2a$ and $2b$ only differ for passwords of 255+ bytes, so the same checksum verifies.
    const twoA = ours.replace("$2b$", () => "$2a$"); // a function, because "$$" in a replacement string means a single "$"
    expect(await verifyPassword("pw-2a", twoA, COST)).toEqual({ ok: true, needsRehash: true });
  });

  it("is false whenever the password is wrong, in every format", async () => {
    expect(await verifyPassword("wrong", fixture("short-iter-pbkdf2"), COST)).toEqual({ ok: false, needsRehash: false });
    expect(await verifyPassword("wrong", `bcrypt$${bcrypt.hashSync("right", COST)}`, COST)).toEqual({ ok: false, needsRehash: false });
    expect(await verifyPassword("wrong", bcrypt.hashSync("right", COST), COST)).toEqual({ ok: false, needsRehash: false });
    expect(await verifyPassword("wrong", await hashPassword("right", COST + 1), COST)).toEqual({ ok: false, needsRehash: false });
  });
});

describe("Django fixtures", () => {
  const verifiable = fixtures.hashes.filter((h) => !h.hash.startsWith("argon2$"));

  // Once each, at cost 12: only the bcrypt_sha256 one (Django's format at our cost) needs no rehash.
  it.each(verifiable)("verifies $hash", SLOW, async ({ password, hash }) => {
    expect(isSupportedHash(hash)).toBe(true);
    expect(await verifyPassword(password, hash, 12)).toEqual({ ok: true, needsRehash: !hash.startsWith("bcrypt_sha256$") });
  });

  it("verifies bare $2a$/$2b$/$2y$ bcrypt hashes", async () => {
    const bare = bcrypt.hashSync("bare-bcrypt", COST);
    for (const prefix of ["$2a$", "$2b$", "$2y$"]) {
      const stored = prefix + bare.slice(4);
      expect(isSupportedHash(stored)).toBe(true);
      expect(await verifyPassword("bare-bcrypt", stored, COST)).toEqual({ ok: true, needsRehash: true });
      expect(await verifyPassword("bare-bcrypt!", stored, COST)).toEqual({ ok: false, needsRehash: false });
    }
  });

  it("reports argon2 as unsupported and never verifies it", async () => {
    const argon2 = fixtures.hashes.find((h) => h.hash.startsWith("argon2$"))!;
    expect(isSupportedHash(argon2.hash)).toBe(false);
    expect(await verifyPassword(argon2.password, argon2.hash, COST)).toEqual({ ok: false, needsRehash: false });
  });

  // Each a 260,000-iteration @noble/hashes verification (production's WebCrypto refuses > 100,000).
  it.each(fixtures.users)("verifies dumpdata user $pk ($email) without WebCrypto", SLOW, async ({ password, hash }) => {
    const deriveBits = vi.spyOn(crypto.subtle, "deriveBits");
    expect(await verifyPassword(password, hash, 10)).toEqual({ ok: true, needsRehash: true });
    expect(deriveBits).not.toHaveBeenCalled();
  });
});

describe("PBKDF2 backends", () => {
  it("uses WebCrypto for the 100,000-iteration fixture", async () => {
    const deriveBits = vi.spyOn(crypto.subtle, "deriveBits");
    expect((await verifyPassword("short-iter-pbkdf2", fixture("short-iter-pbkdf2"), 10)).ok).toBe(true);
    expect(deriveBits).toHaveBeenCalledOnce();
    expect(deriveBits.mock.calls[0]![0]).toMatchObject({ name: "PBKDF2", iterations: 100_000 });
  });

  it("does not call crypto.subtle.deriveBits above 100,000 iterations, and matches its output", async () => {
    const enc = new TextEncoder();
    const [password, salt] = [enc.encode("pässword"), enc.encode("some-salt")];
    // Local workerd still accepts >100k in WebCrypto (production would not): use it as the reference.
    const key = await crypto.subtle.importKey("raw", password, "PBKDF2", false, ["deriveBits"]);
    const native = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations: 100_001 }, key, 256);
    const deriveBits = vi.spyOn(crypto.subtle, "deriveBits");
    expect(await pbkdf2Sha256(password, salt, 100_001)).toEqual(new Uint8Array(native));
    expect(deriveBits).not.toHaveBeenCalled();
  });

  it("refuses a wrong password on the @noble/hashes path", SLOW, async () => {
    const stored = await djangoPbkdf2("pässword", "some-salt", 100_001);
    const deriveBits = vi.spyOn(crypto.subtle, "deriveBits");
    expect(await verifyPassword("pässwort", stored, COST)).toEqual({ ok: false, needsRehash: false });
    expect(deriveBits).not.toHaveBeenCalled();
  });
});

describe("malformed hashes", () => {
  const malformed = [
    "",
    "pbkdf2_sha256$abc$",
    "bcrypt_sha256$garbage",
    "md5$x$y",
    "!unusablePasswordFromSetUnusablePassword0123",
    "pbkdf2_sha256$0$salt$DTR2q3V+eGKRPID3jN7gjgqjmlXGh0NBaQsXkORhoLE=",
    // A stored iteration count must not be able to pin the CPU.
    "pbkdf2_sha256$99999999$salt$DTR2q3V+eGKRPID3jN7gjgqjmlXGh0NBaQsXkORhoLE=",
    "pbkdf2_sha256$260000$salt$notbase64",
    "bcrypt_sha256$$2b$99$ZrDqTeXZD3fU0rf0kVLTq.HlvlGTzSRv5KVFn83cH6vvATo9Qeby.",
    "bcrypt_sha256$$2x$12$ZrDqTeXZD3fU0rf0kVLTq.HlvlGTzSRv5KVFn83cH6vvATo9Qeby.",
    "bcrypt$$2b$12$short",
    "$2b$12$",
  ];

  it.each(malformed)("%j gives ok:false without throwing", async (stored) => {
    expect(isSupportedHash(stored)).toBe(false);
    await expect(verifyPassword("anything", stored, COST)).resolves.toEqual({ ok: false, needsRehash: false });
  });
});

describe("verifyAgainstDummy", () => {
  it("returns false, even for the empty password", async () => {
    expect(await verifyAgainstDummy("anything", COST)).toBe(false);
    expect(await verifyAgainstDummy("", COST)).toBe(false);
  });

  it("makes the dummy hash once per cost, then only verifies", async () => {
    const genSalt = vi.spyOn(bcrypt, "genSalt");
    const compare = vi.spyOn(bcrypt, "compare");
    await Promise.all([verifyAgainstDummy("a", 5), verifyAgainstDummy("b", 5)]);
    await verifyAgainstDummy("c", 5);
    expect(genSalt).toHaveBeenCalledOnce();
    expect(compare).toHaveBeenCalledTimes(3);
    expect(compare.mock.calls[0]![1]).toMatch(/^\$2b\$05\$/);
  });
});
