// The configured hasher (PASSWORD_HASHER): native scrypt on workerd's node:crypto, bcrypt_sha256,
// and verification across every stored kind whatever is configured. Small N keeps it fast.
import bcrypt from "bcryptjs";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { dummyHash, hasherOf, hashPassword, isSupportedHash, verifyAgainstDummy, verifyPassword, type HasherSettings } from "../../src/features/passwords/hashing";
import { MAX_SCRYPT_MEMORY_BYTES, MAX_SCRYPT_WORK, parseScrypt, scryptParamsAllowed, scryptRaw } from "../../src/features/passwords/scrypt";
import { isSupportedHash as formatsSupport } from "../../src/features/passwords/django-formats";
import { isSupportedHash as importerSupports, MAX_SCRYPT_MEMORY_BYTES as IMPORTER_MAX_MEMORY, MAX_SCRYPT_WORK as IMPORTER_MAX_WORK, passwordReplaceable } from "../../scripts/lib/django-dump.mjs";
import fixtures from "../fixtures/django-hashes.json";
import { api, GOOD_PASSWORD, uniqueEmail } from "../support/api";

afterEach(() => {
  vi.restoreAllMocks();
});

const utf8 = new TextEncoder();
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const unspace = (s: string) => s.replace(/\s+/g, "");

const SCRYPT: HasherSettings = { PASSWORD_HASHER: "scrypt", BCRYPT_COST: 4, SCRYPT_N: 1024, SCRYPT_R: 8, SCRYPT_P: 1 };
const BCRYPT: HasherSettings = { ...SCRYPT, PASSWORD_HASHER: "bcrypt" };
const SCRYPT_FORMAT = /^scrypt\$1024\$[A-Za-z0-9]{22}\$8\$1\$[A-Za-z0-9+/]{86}==$/;

// RFC 7914 section 12 (the fourth vector, N=2^20, needs 1 GiB and is left out).
const RFC7914 = [
  {
    P: "", S: "", N: 16, r: 1, p: 1,
    DK: `77 d6 57 62 38 65 7b 20 3b 19 ca 42 c1 8a 04 97 f1 6b 48 44 e3 07 4a e8 df df fa 3f ed e2 14 42
         fc d0 06 9d ed 09 48 f8 32 6a 75 3a 0f c8 1f 17 e8 d3 e0 fb 2e 0d 36 28 cf 35 e2 0c 38 d1 89 06`,
  },
  {
    P: "password", S: "NaCl", N: 1024, r: 8, p: 16,
    DK: `fd ba be 1c 9d 34 72 00 78 56 e7 19 0d 01 e9 fe 7c 6a d7 cb c8 23 78 30 e7 73 76 63 4b 37 31 62
         2e af 30 d9 2e 22 a3 88 6f f1 09 27 9d 98 30 da c7 27 af b9 4a 83 ee 6d 83 60 cb df a2 cc 06 40`,
  },
  {
    P: "pleaseletmein", S: "SodiumChloride", N: 16384, r: 8, p: 1,
    DK: `70 23 bd cb 3a fd 73 48 46 1c 06 cd 81 fd 38 eb fd a8 fb ba 90 4f 8e 3e a9 b5 43 f6 54 5d a1 f2
         d5 43 29 55 61 3f 0f cf 62 d4 97 05 24 2a 9a f9 e6 1e 85 dc 0d 65 1e 40 df cf 01 7b 45 57 58 87`,
  },
];

// Made with Python's hashlib.scrypt exactly as Django's ScryptPasswordHasher.encode does:
// base64.b64encode(hashlib.scrypt(password.encode(), salt=salt.encode(), n, r, p, dklen=64)).
// The third is Django >= 5.1's default (N=2^14, r=8, p=5).
const DJANGO_SCRYPT: Array<[password: string, stored: string]> = [
  ["correct horse battery staple", "scrypt$16384$Ab3dEfGh1jKlMn0pQrStUv$8$1$PXVZGEKEZ62X/lo4Oa87fFV3bxfLH6D3h7Jqo9RjBS/FGa2egKTNF0GaJWtx0whKYqCepX/fhHTKppgHHnUaRw=="],
  ["pässwörd ✓", "scrypt$16384$q8+9/zXy0123456789abcd$16$1$yH6Vsgy+8KMKTvU8yqEZSR4om4GLGhq5zhs0UXvqyPLOtdyOfT0Stydpmn6rg60portVxDWLN3MkeMaYcIsYHg=="],
  ["hunter2", "scrypt$16384$NtGyKv5vO2ZuQmwTlh6Qxa$8$5$Oit6lS/uVYLxU0uxPhxcb5q43St4oyEQFx7zIHi44Z/dTcM/h3krbcmRyGWd6Cb4wP38zzrLrddkjbceycJEPA=="],
];

function fixture(password: string): string {
  const found = fixtures.hashes.find((h) => h.password === password);
  if (!found) throw new Error(`no fixture for ${password}`);
  return found.hash;
}

describe("workerd's node:crypto scrypt", () => {
  it.each(RFC7914)("matches RFC 7914 vector P=$P S=$S N=$N r=$r p=$p", async ({ P, S, N, r, p, DK }) => {
    expect(hex(await scryptRaw(utf8.encode(P), utf8.encode(S), { N, r, p }, 64))).toBe(unspace(DK));
  });

  it("is the runtime's native implementation, not a polyfill", async () => {
    const { scrypt } = await import("node:crypto");
    expect(String(scrypt)).toContain("cryptoImpl.getScrypt");
  });
});

describe("the scrypt hasher", () => {
  it("writes Django's scrypt$N$salt$r$p$hash, round-trips, refuses a wrong password", async () => {
    const stored = await hashPassword("s3cret-Passw0rd", SCRYPT);
    expect(stored).toMatch(SCRYPT_FORMAT);
    expect(await verifyPassword("s3cret-Passw0rd", stored, SCRYPT)).toEqual({ ok: true, needsRehash: false });
    expect(await verifyPassword("s3cret-Passw0rd!", stored, SCRYPT)).toEqual({ ok: false, needsRehash: false });
    expect(await verifyPassword("", stored, SCRYPT)).toEqual({ ok: false, needsRehash: false });
  });

  it("uses a fresh salt each time and UTF-8 for the password", async () => {
    const [a, b] = await Promise.all([hashPassword("пароль 🔑", SCRYPT), hashPassword("пароль 🔑", SCRYPT)]);
    expect(a).not.toBe(b);
    expect(parseScrypt(a)!.salt).not.toBe(parseScrypt(b)!.salt);
    expect((await verifyPassword("пароль 🔑", a, SCRYPT)).ok).toBe(true);
    expect((await verifyPassword("пароль", a, SCRYPT)).ok).toBe(false);
  });

  it("verifies hashes made by Django's ScryptPasswordHasher, and flags them for a re-hash", async () => {
    for (const [password, stored] of DJANGO_SCRYPT) {
      expect(isSupportedHash(stored)).toBe(true);
      expect(await verifyPassword(password, stored, SCRYPT)).toEqual({ ok: true, needsRehash: true });
      expect(await verifyPassword(`${password}x`, stored, SCRYPT)).toEqual({ ok: false, needsRehash: false });
    }
    const djangoDefault = { ...SCRYPT, SCRYPT_N: 16384, SCRYPT_P: 5 };
    expect(await verifyPassword("hunter2", DJANGO_SCRYPT[2]![1], djangoDefault)).toEqual({ ok: true, needsRehash: false });
  });

  it("needs a re-hash when N, r or p differ from the configuration", async () => {
    const stored = await hashPassword("pw", SCRYPT);
    for (const other of [{ SCRYPT_N: 2048 }, { SCRYPT_R: 4 }, { SCRYPT_P: 2 }]) {
      expect(await verifyPassword("pw", stored, { ...SCRYPT, ...other })).toEqual({ ok: true, needsRehash: true });
    }
  });

  it("refuses parameters out of bounds when hashing, loudly", async () => {
    for (const bad of [{ SCRYPT_N: 1000 }, { SCRYPT_N: 1 }, { SCRYPT_N: 65536, SCRYPT_R: 8 }, { SCRYPT_R: 0 }, { SCRYPT_N: 16384, SCRYPT_R: 8, SCRYPT_P: 9 }]) {
      await expect(hashPassword("x", { ...SCRYPT, ...bad })).rejects.toThrow(RangeError);
    }
    expect(scryptParamsAllowed({ N: 2 ** 15, r: 8, p: 1 })).toBe(true);
    expect(scryptParamsAllowed({ N: 2 ** 14, r: 16, p: 1 })).toBe(true);
    expect(128 * 2 ** 15 * 8).toBe(MAX_SCRYPT_MEMORY_BYTES);
    expect(scryptParamsAllowed({ N: 2 ** 16, r: 8, p: 1 })).toBe(false);
  });

  it("returns ok:false and never throws for malformed or hostile stored values", async () => {
    const good = DJANGO_SCRYPT[0]![1];
    const malformed = [
      "scrypt", "scrypt$", "scrypt$$$$$", good.slice(0, -1), `${good}=`, good.replace("==", "A="),
      good.replace("scrypt$", "SCRYPT$"), good.replace("$16384$", "$16385$"), good.replace("$16384$", "$0$"),
      good.replace("$16384$", "$-16384$"), good.replace("$16384$", "$1e4$"), good.replace("$8$1$", "$0$1$"),
      good.replace("$8$1$", "$8$0$"), good.replace("Ab3dEfGh1jKlMn0pQrStUv", ""), good.replace("Ab3dEfGh1jKlMn0pQrStUv", "a b"),
      `${good}$extra`, `scrypt$16384$salt$8$1$${"%".repeat(88)}`,
      // Hostile parameters: 1 GiB of memory, 2^20 * 8 * 1000 of work; refused before scrypt runs.
      good.replace("$16384$", "$1048576$"), good.replace("$8$1$", "$8$1000$"), good.replace("$16384$", "$65536$"),
    ];
    for (const stored of malformed) {
      expect(isSupportedHash(stored), stored).toBe(false);
      await expect(verifyPassword("correct horse battery staple", stored, SCRYPT), stored).resolves.toEqual({ ok: false, needsRehash: false });
    }
  });
});

describe("verification across hashers", () => {
  it("verifies bcrypt_sha256, bcrypt and Django PBKDF2 with scrypt configured, each flagged for a re-hash", async () => {
    const ours = await hashPassword("pw-b", BCRYPT);
    expect(ours).toMatch(/^bcrypt_sha256\$\$2b\$04\$/);
    expect(await verifyPassword("pw-b", ours, SCRYPT)).toEqual({ ok: true, needsRehash: true });
    expect(await verifyPassword("pw-b!", ours, SCRYPT)).toEqual({ ok: false, needsRehash: false });
    const legacy = `bcrypt$${bcrypt.hashSync("pw-legacy", 4)}`;
    expect(await verifyPassword("pw-legacy", legacy, SCRYPT)).toEqual({ ok: true, needsRehash: true });
    expect(await verifyPassword("pw-legacyx", legacy, SCRYPT)).toEqual({ ok: false, needsRehash: false });
    expect(await verifyPassword("short-iter-pbkdf2", fixture("short-iter-pbkdf2"), SCRYPT)).toEqual({ ok: true, needsRehash: true });
    expect(await verifyPassword("short-iter-pbkdf2x", fixture("short-iter-pbkdf2"), SCRYPT)).toEqual({ ok: false, needsRehash: false });
  });

  it("verifies scrypt with bcrypt configured, flagged for a re-hash; wrong passwords refused", async () => {
    const stored = await hashPassword("pw-s", SCRYPT);
    expect(await verifyPassword("pw-s", stored, BCRYPT)).toEqual({ ok: true, needsRehash: true });
    expect(await verifyPassword("pw-s ", stored, BCRYPT)).toEqual({ ok: false, needsRehash: false });
  });

  it("a bare number still means bcrypt at that cost", () => {
    expect(hasherOf(10)).toEqual({ kind: "bcrypt", cost: 10 });
    expect(hasherOf(SCRYPT)).toEqual({ kind: "scrypt", N: 1024, r: 8, p: 1 });
  });
});

describe("the dummy verification", () => {
  it("uses the configured hasher", async () => {
    expect(await dummyHash(SCRYPT)).toMatch(SCRYPT_FORMAT);
    expect(await dummyHash({ ...SCRYPT, SCRYPT_N: 2048 })).toMatch(/^scrypt\$2048\$/);
    expect(await dummyHash(BCRYPT)).toMatch(/^bcrypt_sha256\$\$2b\$04\$/);
    const compare = vi.spyOn(bcrypt, "compare");
    expect(await verifyAgainstDummy("anything", SCRYPT)).toBe(false);
    expect(compare).not.toHaveBeenCalled();
    expect(await verifyAgainstDummy("anything", BCRYPT)).toBe(false);
    expect(compare).toHaveBeenCalledOnce();
  });

  it("is spent for a malformed stored hash too, with the configured hasher", async () => {
    const compare = vi.spyOn(bcrypt, "compare");
    expect(await verifyPassword("x", "scrypt$garbage", SCRYPT)).toEqual({ ok: false, needsRehash: false });
    expect(compare).not.toHaveBeenCalled();
  });
});

describe("PASSWORD_HASHER through the API", () => {
  const scryptVars = { PASSWORD_HASHER: "scrypt", SCRYPT_N: "1024", SCRYPT_R: "8", SCRYPT_P: "1" };
  const stored = async (email: string) =>
    (await env.DB.prepare("SELECT password FROM users WHERE lower(email) = lower(?)").bind(email).first<{ password: string }>())!.password;
  const register = (email: string, vars: Record<string, string>) =>
    api("/api/user/register/", { body: { email, name: "Ada Lovelace", password: GOOD_PASSWORD, password2: GOOD_PASSWORD, tc: true }, vars });
  const login = (email: string, password: string, vars: Record<string, string>) => api("/api/user/login/", { body: { email, password }, vars });

  it("registers with scrypt, and a login with bcrypt configured re-hashes, and back", async () => {
    const email = uniqueEmail("scrypt");
    expect((await register(email, scryptVars)).status).toBe(201);
    expect(await stored(email)).toMatch(SCRYPT_FORMAT);
    expect((await login(email, "wrong-password-123", { PASSWORD_HASHER: "bcrypt" })).status).toBe(401);
    expect(await stored(email)).toMatch(SCRYPT_FORMAT);
    expect((await login(email, GOOD_PASSWORD, { PASSWORD_HASHER: "bcrypt" })).status).toBe(200);
    expect(await stored(email)).toMatch(/^bcrypt_sha256\$\$2b\$04\$/);
    expect((await login(email, GOOD_PASSWORD, scryptVars)).status).toBe(200);
    expect(await stored(email)).toMatch(SCRYPT_FORMAT);
    expect((await login(email, GOOD_PASSWORD, { ...scryptVars, SCRYPT_N: "2048" })).status).toBe(200);
    expect(await stored(email)).toMatch(/^scrypt\$2048\$[A-Za-z0-9]{22}\$8\$1\$/);
    const before = await stored(email);
    expect((await login(email, GOOD_PASSWORD, { ...scryptVars, SCRYPT_N: "2048" })).status).toBe(200);
    expect(await stored(email)).toBe(before);
  });

  it("refuses a wrong password for a user imported with a Django scrypt hash, and re-hashes on the right one", async () => {
    const email = uniqueEmail("django-scrypt");
    expect((await register(email, scryptVars)).status).toBe(201);
    await env.DB.prepare("UPDATE users SET password = ? WHERE lower(email) = lower(?)").bind(DJANGO_SCRYPT[2]![1], email).run();
    expect((await login(email, "hunter3", scryptVars)).status).toBe(401);
    expect((await login(email, "hunter2", scryptVars)).status).toBe(200);
    expect(await stored(email)).toMatch(SCRYPT_FORMAT);
  });

  it("answers 503 for scrypt settings out of bounds", async () => {
    for (const bad of [{ SCRYPT_N: "1000" }, { SCRYPT_N: "65536" }, { SCRYPT_N: "32768", SCRYPT_R: "16" }, { PASSWORD_HASHER: "argon2" }]) {
      expect((await login(uniqueEmail(), GOOD_PASSWORD, { ...scryptVars, ...bad })).status, JSON.stringify(bad)).toBe(503);
    }
  });
});

describe("the importer's scrypt rules (scripts/lib/django-dump.mjs)", () => {
  it("are the worker's own module, not a copy", () => {
    expect([IMPORTER_MAX_MEMORY, IMPORTER_MAX_WORK]).toEqual([MAX_SCRYPT_MEMORY_BYTES, MAX_SCRYPT_WORK]);
    expect(importerSupports).toBe(formatsSupport);
  });

  it("accepts exactly the scrypt hashes login can verify", async () => {
    const good = DJANGO_SCRYPT[0]![1];
    const samples = [
      ...DJANGO_SCRYPT.map(([, s]) => s),
      await hashPassword("x", SCRYPT),
      good.replace("$16384$", "$65536$"),
      good.replace("$16384$", "$16385$"),
      good.replace("$8$1$", "$8$1000$"),
      good.slice(0, -1),
      "scrypt$garbage",
    ];
    for (const s of samples) expect(importerSupports(s), s).toBe(isSupportedHash(s));
  });

  it("treats a scrypt hash like the worker's own bcrypt_sha256: never replaced by a re-import", () => {
    expect(passwordReplaceable({ password: DJANGO_SCRYPT[0]![1], password_version: 0 })).toBe(false);
    expect(passwordReplaceable({ password: fixture("short-iter-pbkdf2"), password_version: 0 })).toBe(true);
  });
});
