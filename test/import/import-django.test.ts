import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  EXISTING_USERS_SQL,
  MAX_PBKDF2_ITERATIONS,
  MAX_STATEMENT_BYTES,
  SEQUENCE_SQL,
  buildStatements,
  formatRejection,
  isSupportedHash as importerSupports,
  isValidEmail as importerValidEmail,
  normalizeEmail as importerNormalize,
  parseDjangoTimestamp,
  parseDump,
  planImport,
  readDump,
  sqlString,
  upsertStatement,
  upsertStatements,
  validateDump,
  type ExistingUser,
  type Plan,
} from "../../scripts/lib/django-dump.mjs";
import { isValidEmail, normalizeEmail } from "../../src/kernel/email";
import { MAX_PBKDF2_ITERATIONS as WORKER_MAX_PBKDF2_ITERATIONS } from "../../src/features/passwords/django-hashers";
import { isSupportedHash } from "../../src/features/passwords/hashing";
import { isSupportedHash as formatsSupport } from "../../src/features/passwords/django-formats";
import dump from "../fixtures/dumpdata-account.json";
import hashes from "../fixtures/django-hashes.json";
import { createProgress } from "../../scripts/lib/progress.mjs";
import { api } from "../support/api";

// PBKDF2 at 260,000 iterations takes ~10 s per check inside vitest (see passwords.test.ts):
// one such login in this file, the other logins use the 100,000-iteration (WebCrypto) fixture.
const SLOW = { timeout: 120_000 };

const PASSWORDS: Record<number, string> = {
  1: "analytical-engine-1843",
  42: "cobol-compiler-1959",
  7: "enigma-bombe-1940",
  9: "inactive-user-pass-9",
};
const ARGON2 = hashes.hashes.find((h) => h.hash.startsWith("argon2$"))!.hash;
const PBKDF2_100K = hashes.hashes.find((h) => h.password === "short-iter-pbkdf2")!.hash;

async function existing(): Promise<ExistingUser[]> {
  return (await env.DB.prepare(EXISTING_USERS_SQL).all<ExistingUser>()).results;
}

/** What `npm run import:django` does, against the test D1: read, plan, write the statements, plan again. */
async function importDump(value: unknown, options: { nextId?: number } = {}) {
  const parsed = parseDump(JSON.stringify(value));
  const plan = planImport(parsed, await existing());
  const statements = buildStatements(plan, options);
  // `wrangler d1 execute --file` runs the file's statements as one D1 batch, as here.
  if (statements.length) await env.DB.batch(statements.map((s) => env.DB.prepare(s)));
  const after = planImport(parsed, await existing());
  return { plan, statements, after };
}

const counts = (p: Plan) => ({
  read: p.read,
  inserted: p.inserts.length,
  updated: p.updates.length,
  unchanged: p.unchanged.length,
  rejected: p.rejected.length,
});

async function row(id: number) {
  return env.DB.prepare("SELECT * FROM users WHERE id = ?").bind(id).first<Record<string, unknown>>();
}

/** A dump entry in the shape `manage.py dumpdata` writes, with fields overridden. */
function entry(pk: unknown, fields: Record<string, unknown> = {}, model: unknown = "account.myuser") {
  return {
    model,
    pk,
    fields: {
      password: PBKDF2_100K,
      last_login: null,
      email: `user${String(pk)}@example.com`,
      name: `User ${String(pk)}`,
      tc: true,
      is_active: true,
      is_admin: false,
      created_at: "2025-01-02T03:04:05.678Z",
      updated_at: "2025-01-02T03:04:05.678Z",
      ...fields,
    },
  };
}

describe("import of a Django dumpdata file", () => {
  it("inserts the fixture users with Django's ids and fields, and a second run changes nothing", async () => {
    const first = await importDump(dump);
    expect(counts(first.plan)).toEqual({ read: 4, inserted: 4, updated: 0, unchanged: 0, rejected: 0 });
    expect(first.after.unchanged.map((u) => u.id).sort((a, b) => a - b)).toEqual([1, 7, 9, 42]);

    const ada = await row(1);
    expect(ada).toMatchObject({
      email: "ada@example.com",
      name: "Ada Lovelace",
      tc: 1,
      is_active: 1,
      is_admin: 0,
      password: dump[0]!.fields.password,
      password_version: 0,
      password_changed_at: null,
      last_login: null,
      created_at: Date.parse("2026-11-29T10:45:21.503Z"),
      updated_at: Date.parse("2026-11-29T10:45:21.503Z"),
    });
    // normalize_email: the domain is lower-cased, the local part kept.
    expect((await row(42))!.email).toBe("Grace.Hopper@example.org");
    expect((await row(9))!.is_active).toBe(0);
    // Imported active Django users count as verified; inactive ones do not.
    expect((await row(1))!.email_verified).toBe(1);
    expect((await row(9))!.email_verified).toBe(0);

    const second = await importDump(dump);
    expect(counts(second.plan)).toEqual({ read: 4, inserted: 0, updated: 0, unchanged: 4, rejected: 0 });
    expect(second.statements).toEqual([]);
    // The SQL is idempotent on its own too: re-running every upsert touches no row.
    for (const u of parseDump(JSON.stringify(dump)).users) {
      const res = await env.DB.prepare(upsertStatement(u)).run();
      expect(res.meta.changes, `pk ${u.id}`).toBe(0);
    }
    expect((await env.DB.prepare("SELECT count(*) AS n FROM users").first<{ n: number }>())!.n).toBe(4);
  });

  it("keeps the id sequence past the imported ids (AUTOINCREMENT), and --next-id only raises it", async () => {
    await importDump(dump);
    const seq = await env.DB.prepare(SEQUENCE_SQL).first<{ seq: number; max_id: number }>();
    expect(seq).toMatchObject({ seq: 42, max_id: 42 });
    await importDump(dump, { nextId: 100 });
    expect((await env.DB.prepare(SEQUENCE_SQL).first<{ seq: number }>())!.seq).toBe(99);
    await importDump(dump, { nextId: 50 });
    expect((await env.DB.prepare(SEQUENCE_SQL).first<{ seq: number }>())!.seq).toBe(99);
    const res = await api("/api/user/register/", {
      body: { email: "after.import@example.com", name: "After", password: "violet-Harbor-91", password2: "violet-Harbor-91", tc: true },
    });
    expect(res.status).toBe(201);
    expect((await env.DB.prepare("SELECT id FROM users WHERE email = ?").bind("after.import@example.com").first<{ id: number }>())!.id).toBe(100);
  });

  it("rejects bad rows with one message each and imports the rest", async () => {
    await importDump(dump);
    const bad = [
      entry(100, {}, "auth.user"),
      entry("101"),
      entry(1.5),
      { model: "account.myuser", fields: entry(0).fields },
      entry(-3),
      entry(104, { email: undefined }),
      entry(105, { email: "   " }),
      entry(106, { email: "not-an-email" }),
      entry(107, { email: "a@b" }),
      entry(108, { email: `${"x".repeat(250)}@example.com` }),
      entry(109, { email: "Twin@Example.com" }),
      entry(110, { email: "twin@example.COM" }),
      entry(111, { email: "ADA@example.com" }),
      entry(42, { email: "someone.else@example.com" }),
      entry(112, { name: undefined }),
      entry(113, { name: "  " }),
      entry(114, { name: "x".repeat(201) }),
      entry(115, { tc: "true" }),
      entry(116, { password: null }),
      entry(117, { created_at: "yesterday" }),
      entry(118, { updated_at: "2025-02-30T00:00:00Z" }),
      entry(119, { last_login: 1700000000 }),
      entry(120, { name: "nul\u0000byte" }),
      entry(121),
      entry(121, { email: "user121b@example.com" }),
      "not an object",
    ];
    const ok = [
      // Exactly 200 characters, counted in code points as Django does.
      entry(200, { name: "🦆".repeat(200) }),
      // Unusable and unsupported hashes are imported as they are: login fails, a reset works.
      entry(201, { password: "!Xk2vZqkLrTYuuMQGmBfYpuzWQA6P9mtRGeKWmw3Y" }),
      entry(202, { password: ARGON2 }),
      entry(203, { email: "  mixed.Case@EXAMPLE.COM  " }),
    ];
    const { plan, after } = await importDump([...bad, ...ok]);
    expect(counts(plan)).toMatchObject({ read: bad.length + ok.length, inserted: ok.length, rejected: bad.length });
    expect(after.inserts).toEqual([]);
    const lines = plan.rejected.map(formatRejection);
    expect(lines).toHaveLength(bad.length);
    const reason = (i: number) => lines.find((l) => l.startsWith(`rejected entry #${i + 1} `));
    const expected: Array<[number, RegExp]> = [
      [0, /model "auth\.user" is not account\.myuser/],
      [1, /pk "101" is not a positive integer/],
      [2, /pk 1\.5 is not a positive integer/],
      [3, /pk missing is not a positive integer/],
      [4, /pk -3 is not a positive integer/],
      [5, /email missing/],
      [6, /email missing/],
      [7, /"not-an-email" is not a valid e-mail address/],
      [8, /"a@b" is not a valid e-mail address/],
      [9, /email longer than 255 characters/],
      [10, /also used by pk 110 in the dump/],
      [11, /also used by pk 109 in the dump/],
      [12, /"ADA@example\.com" already belongs to user id 1 in the database/],
      [13, /id 42 already belongs to "Grace\.Hopper@example\.org" in the database/],
      [14, /name missing/],
      [15, /name missing/],
      [16, /name longer than 200 characters/],
      [17, /tc "true" is not true or false/],
      [18, /password null is not a string/],
      [19, /created_at "yesterday" is not an ISO timestamp/],
      [20, /updated_at "2025-02-30T00:00:00Z" is not an ISO timestamp/],
      [21, /last_login 1700000000 is not an ISO timestamp or null/],
      [22, /name contains a NUL character/],
      [23, /pk 121 appears 2 times in the dump/],
      [24, /pk 121 appears 2 times in the dump/],
      [25, /not an object/],
    ];
    for (const [i, re] of expected) expect(reason(i), `entry #${i + 1}`).toMatch(re);

    expect(plan.unusable.map((u) => u.id)).toEqual([201, 202]);
    expect((await row(203))!.email).toBe("mixed.Case@example.com");
    expect((await row(42))!.email).toBe("Grace.Hopper@example.org");
    expect(await row(101)).toBeNull();
    for (const id of [201, 202]) {
      const res = await api("/api/user/login/", { body: { email: `user${id}@example.com`, password: "anything-at-all-1" } });
      expect(res.status, `pk ${id}`).toBe(401);
    }
  });

  it("quotes every value: quotes, semicolons, comments and wrangler's transaction keywords stay data", async () => {
    const names = [
      "Robert'); DROP TABLE users; --",
      "O'Brien /* not a comment */ -- nor this",
      "BEGIN TRANSACTION; COMMIT; \"quoted\" `ticks` [brackets] \\ back\nslash",
      "Ünïcødé ✓ 🦆",
    ];
    const value = names.map((name, i) => entry(300 + i, { name, email: i === 0 ? "o'brien+tag@example.com" : `q${i}@example.com` }));
    const { plan } = await importDump(value);
    expect(counts(plan)).toMatchObject({ inserted: 4, rejected: 0 });
    for (const [i, name] of names.entries()) expect((await row(300 + i))!.name).toBe(name);
    expect((await row(300))!.email).toBe("o'brien+tag@example.com");
    expect(sqlString("it's")).toBe("'it''s'");
    expect(sqlString("BEGIN TRANSACTION;")).toMatch(/^CAST\(X'[0-9a-f]+' AS TEXT\)$/);
    expect((await importDump(value)).plan.unchanged).toHaveLength(4);
  });

  it("on a re-run updates changed fields, but never a password the worker has written since", async () => {
    const base = [entry(400), entry(401), entry(402), entry(403)];
    await importDump(base);
    // In the worker since the import: 401 logged in (re-hashed), 402 changed or reset its password.
    const ours = "bcrypt_sha256$$2b$04$abcdefghijklmnopqrstuuMJ0fRmzJcGKJ8w5vWuQ5nRbYzvGmzGa";
    await env.DB.prepare("UPDATE users SET password = ? WHERE id = 401").bind(ours).run();
    await env.DB.prepare("UPDATE users SET password = ?, password_version = 1, password_changed_at = 1 WHERE id = 402").bind(PBKDF2_100K + "x").run();

    const laterDjango = "2025-06-01T00:00:00Z";
    const changed = [
      entry(400, { password: ARGON2, name: "Renamed", updated_at: laterDjango, last_login: laterDjango }),
      entry(401, { password: ARGON2, is_active: false, updated_at: laterDjango }),
      entry(402, { password: ARGON2 }),
      entry(403, { email: "USER403@example.com", created_at: "2024-01-01T00:00:00Z", updated_at: "2024-01-01T00:00:00Z" }),
    ];
    const { plan, after } = await importDump(changed);
    expect(counts(plan)).toEqual({ read: 4, inserted: 0, updated: 3, unchanged: 1, rejected: 0 });
    expect(Object.fromEntries(plan.updates.map((u) => [u.user.id, u.changes]))).toEqual({
      400: ["name", "password", "last_login", "updated_at"],
      401: ["is_active", "updated_at"],
      // An older Django updated_at never moves ours back; the address's letter case does change.
      403: ["email", "created_at"],
    });
    expect(plan.passwordsKept.map((u) => u.id)).toEqual([401, 402]);
    expect(after.updates).toEqual([]);
    expect(await row(400)).toMatchObject({ name: "Renamed", password: ARGON2, last_login: Date.parse(laterDjango), updated_at: Date.parse(laterDjango) });
    expect(await row(401)).toMatchObject({ password: ours, is_active: 0 });
    expect(await row(402)).toMatchObject({ password: PBKDF2_100K + "x", password_version: 1 });
    expect(await row(403)).toMatchObject({ email: "USER403@example.com", updated_at: Date.parse("2025-01-02T03:04:05.678Z") });

    // An older last_login from Django never replaces a newer one.
    const { plan: again } = await importDump([entry(400, { ...changed[0]!.fields, last_login: "2025-01-01T00:00:00Z" })]);
    expect(again.unchanged.map((u) => u.id)).toEqual([400]);
  });

  it("lets the imported users log in (any e-mail case), re-hashes their passwords, refuses the inactive one", SLOW, async () => {
    const cheap = entry(500, { email: "Mixed.Case@Example.org" });
    const value = [...dump, cheap];
    await importDump(value);
    const logins: Array<[number, string, string]> = [
      [1, "ADA@example.COM", PASSWORDS[1]!],
      [500, "mixed.case@EXAMPLE.ORG", "short-iter-pbkdf2"],
    ];
    for (const [id, email, password] of logins) {
      const res = await api("/api/user/login/", { body: { email, password } });
      expect(res.status, `pk ${id}`).toBe(200);
      expect(res.body.token.access, `pk ${id}`).toEqual(expect.any(String));
      expect((await row(id))!.password, `pk ${id}`).toMatch(/^bcrypt_sha256\$\$2b\$04\$/);
    }
    const inactive = await api("/api/user/login/", { body: { email: "inactive@example.com", password: PASSWORDS[9] } });
    expect(inactive.status).toBe(401);
    expect((await row(9))!.password).toBe(dump.find((u) => u.pk === 9)!.fields.password);

    // Re-importing the same dump leaves the re-hashed passwords alone.
    const { plan } = await importDump(value);
    expect(counts(plan)).toEqual({ read: 5, inserted: 0, updated: 0, unchanged: 5, rejected: 0 });
    expect(plan.passwordsKept.map((u) => u.id).sort((a, b) => a - b)).toEqual([1, 500]);
    for (const [id] of logins) expect((await row(id))!.password).toMatch(/^bcrypt_sha256\$/);
  });

  it("imports a PBKDF2 hash too costly to check at login as unusable, and lists it", async () => {
    // The worker would refuse to verify what the importer lets through otherwise.
    expect(MAX_PBKDF2_ITERATIONS).toBe(WORKER_MAX_PBKDF2_ITERATIONS);
    expect(isSupportedHash(PBKDF2_100K.replace(/^pbkdf2_sha256\$\d+\$/, `pbkdf2_sha256$${MAX_PBKDF2_ITERATIONS + 1}$`))).toBe(false);
    const hash = (n: number) => PBKDF2_100K.replace(/^pbkdf2_sha256\$\d+\$/, `pbkdf2_sha256$${n}$`);
    const value = [entry(600, { password: hash(MAX_PBKDF2_ITERATIONS) }), entry(601, { password: hash(MAX_PBKDF2_ITERATIONS + 1) }), entry(602, { password: "x".repeat(4097) })];
    const { plan } = await importDump(value);
    expect(counts(plan)).toMatchObject({ inserted: 2, rejected: 1 });
    expect(plan.rejected[0]!.reason).toMatch(/password longer than 4096 characters/);
    expect(plan.tooCostly.map((u) => u.id)).toEqual([601]);
    expect(plan.unusable).toEqual([]);
    expect((await row(600))!.password).toBe(hash(MAX_PBKDF2_ITERATIONS));
    expect((await row(601))!.password).toBe(`!${hash(MAX_PBKDF2_ITERATIONS + 1)}`);
    // The worker answers it like a wrong password, without running PBKDF2.
    const res = await api("/api/user/login/", { body: { email: "user601@example.com", password: "short-iter-pbkdf2" } });
    expect(res.status).toBe(401);
    const again = await importDump(value);
    expect(counts(again.plan)).toMatchObject({ inserted: 0, unchanged: 2 });
  });

  it("writes many rows per statement, each within D1's statement limit, with the same idempotence", async () => {
    const many = Array.from({ length: 1500 }, (_, i) => entry(1000 + i, { name: i % 7 ? `User ${i}` : `Ünïcødé 🦆 ${"ü".repeat(150)}` }));
    const parsed = parseDump(JSON.stringify(many));
    const statements = upsertStatements(parsed.users);
    expect(statements.length).toBeGreaterThan(1);
    expect(statements.length).toBeLessThan(20);
    for (const s of statements) expect(new TextEncoder().encode(s).length).toBeLessThanOrEqual(MAX_STATEMENT_BYTES);
    const first = await env.DB.batch(statements.map((s) => env.DB.prepare(s)));
    expect(first.reduce((n, r) => n + r.meta.changes, 0)).toBe(1500);
    // One statement mixing an unchanged row, an update and an address another id holds.
    const mixed = parseDump(JSON.stringify([many[1], entry(1002, { ...many[2]!.fields, name: "Changed" }), entry(1003, { ...many[3]!.fields, email: "user1004@example.com" })])).users;
    const res = await env.DB.prepare(upsertStatement(mixed)).run();
    expect(res.meta.changes).toBe(1);
    expect((await row(1002))!.name).toBe("Changed");
    expect((await row(1003))!.email).toBe("user1003@example.com");
    const again = await env.DB.batch(statements.map((s) => env.DB.prepare(s)));
    expect(again.reduce((n, r) => n + r.meta.changes, 0)).toBe(1);
  });
});

describe("the importer's use of the worker's rules", () => {
  it("imports the worker's hash-format module instead of copying it", () => {
    expect(importerSupports).toBe(formatsSupport);
    expect(MAX_PBKDF2_ITERATIONS).toBe(WORKER_MAX_PBKDF2_ITERATIONS);
  });

  it("accepts exactly the hashes login can verify", () => {
    const samples = [
      ...hashes.hashes.map((h) => h.hash),
      ...dump.map((u) => u.fields.password),
      "!unusable",
      "",
      "md5$salt$0123456789abcdef0123456789abcdef",
      "pbkdf2_sha256$99999999$salt$" + "A".repeat(43) + "=",
      "pbkdf2_sha256$260000$salt$short=",
      "$2y$10$" + "a".repeat(53),
      "$2b$03$" + "a".repeat(53),
      "bcrypt$$2a$12$" + "b".repeat(53),
    ];
    for (const s of samples) expect(importerSupports(s), s).toBe(isSupportedHash(s));
  });

  it("validates and normalises e-mails as src/kernel/email.ts does", () => {
    const samples = ["ada@example.com", " Ada@Example.COM ", "a@b", "x@localhost", "u@[127.0.0.1]", "\"q u\"@example.com", "ü@bücher.de", "a@bad-.com", "a..b@example.com", "nope"];
    for (const s of samples) {
      expect(importerNormalize(s), s).toBe(normalizeEmail(s));
      expect(importerValidEmail(importerNormalize(s)), s).toBe(isValidEmail(normalizeEmail(s)));
    }
  });

  it("reads the timestamps DjangoJSONEncoder writes", () => {
    expect(parseDjangoTimestamp("2026-11-29T10:45:21.503Z")).toBe(Date.parse("2026-11-29T10:45:21.503Z"));
    expect(parseDjangoTimestamp("2026-11-29T10:45:21Z")).toBe(Date.parse("2026-11-29T10:45:21Z"));
    expect(parseDjangoTimestamp("2026-11-29T12:45:21.503+02:00")).toBe(Date.parse("2026-11-29T10:45:21.503Z"));
    expect(parseDjangoTimestamp("2026-11-29T10:45:21.503123")).toBe(Date.parse("2026-11-29T10:45:21.503Z"));
    for (const bad of ["2026-13-01T00:00:00Z", "2026-11-29", "1700000000", null, "2026-11-29T25:00:00Z"]) expect(parseDjangoTimestamp(bad), String(bad)).toBeNull();
  });

  it("refuses a dump that is not a list", async () => {
    expect(() => parseDump("{}")).toThrow(/not a JSON list/);
    expect(() => parseDump("nope")).toThrow(/not valid JSON/);
    for (const bad of ["", "[", "[1,]", "[1,,2]", "[{]}", "[1] x", "[{\"a\": 1}}"]) expect(() => parseDump(bad), bad).toThrow(/not valid JSON/);
    expect(validateDump([]).read).toBe(0);
    expect(parseDump(" [ ] ").read).toBe(0);
  });

  it("reads a streamed dump the same wherever the chunks break", async () => {
    const value = [entry(1, { name: 'q"uo,te]} \\ back' }), "odd, ]", [1, { a: "}" }], entry(2, { name: "🦆 ünï" })];
    const text = `\uFEFF${JSON.stringify(value, null, 1)}\n`;
    const whole = parseDump(text);
    expect(whole.read).toBe(4);
    for (let cut = 0; cut <= text.length; cut++) {
      const parts = [text.slice(0, cut), text.slice(cut)];
      const streamed = await readDump((async function* () { yield* parts; })());
      expect(streamed, `cut at ${cut}`).toEqual(whole);
    }
  });

  it("prints progress: one line per 10 % (or 10 s) off a terminal, a redrawn line on one", () => {
    let t = 0;
    const lines: string[] = [];
    const plain = createProgress({ total: 1000, label: "users written", stream: { write: (s: string) => lines.push(s) }, now: () => t });
    for (let done = 10; done <= 1000; done += 10) {
      t += 50;
      plain.update(done);
    }
    expect(lines).toHaveLength(10);
    expect(lines[0]).toBe("users written: 100/1,000 (10 %), 200/s, 5 s left\n");
    t += 20_000;
    plain.update(1000);
    expect(lines).toHaveLength(11);
    const drawn: string[] = [];
    const tty = createProgress({ total: 10, label: "users written", stream: { isTTY: true, write: (s: string) => drawn.push(s) }, now: () => (t += 1000) });
    tty.update(5);
    tty.finish();
    expect(drawn[0]).toMatch(/^\r\x1b\[K\[#{10}\.{10}\] users written: 5\/10 \(50 %\), \d+\/s, \d+ s left$/);
    expect(drawn[1]).toMatch(/^\r\x1b\[Kusers written: 5\/10 in/);
  });
});
