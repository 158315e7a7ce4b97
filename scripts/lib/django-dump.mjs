// Pure logic of `npm run import:django`: parse a `manage.py dumpdata account.MyUser` dump,
// validate its rows, compare them with the rows already in D1 and build idempotent SQL.
// Plain ESM, run by Node (22, from the `node` devDependency, which strips the types of the
// TypeScript modules it imports) and imported by the workerd tests. The worker's own rules are
// imported, never copied: the e-mail rules are src/kernel/email.ts, the hash formats and their
// bounds src/features/passwords/django-formats.ts (both import nothing, so Node loads them as is).

import { isValidEmail, normalizeEmail } from "../../src/kernel/email.ts";
import { isSupportedHash, MAX_PBKDF2_ITERATIONS, MAX_SCRYPT_MEMORY_BYTES, MAX_SCRYPT_WORK, pbkdf2Iterations } from "../../src/features/passwords/django-formats.ts";
import { JsonListError, parseJsonArray, readJsonArray } from "./json-array.mjs";

/** The model label `dumpdata` writes for the Django project's `account.MyUser`. */
export const DJANGO_MODEL = "account.myuser";

/** Django's model limits: `email = EmailField(max_length=255)`, `name = CharField(max_length=200)`. */
export const EMAIL_MAX_LENGTH = 255;
export const NAME_MAX_LENGTH = 200;

/** Far above any Django hash (about 90 characters), far below D1's 100 KB statement limit. */
export const MAX_PASSWORD_LENGTH = 4096;

/** Prefix of the hashes the worker writes with PASSWORD_HASHER=bcrypt (Django's BCryptSHA256PasswordHasher format). */
export const WORKER_HASH_PREFIX = "bcrypt_sha256$";
/** Prefixes of every format the worker writes: bcrypt_sha256, and scrypt (Django's ScryptPasswordHasher, the default). */
export const WORKER_HASH_PREFIXES = [WORKER_HASH_PREFIX, "scrypt$"];

/**
 * @typedef {object} ImportUser A dump row that passed validation, in our column types.
 * @property {number} index Position in the dump (0-based), for messages.
 * @property {number} id Django's pk, kept as our id.
 * @property {string} email Normalised like Django's normalize_email (trimmed, domain lower-cased).
 * @property {string} name
 * @property {boolean} tc
 * @property {boolean} isActive
 * @property {boolean} isAdmin
 * @property {string} password The Django hash, stored as is.
 * @property {boolean} usablePassword False for unusable ("!…"), unsupported (argon2, md5, …) or malformed hashes: login can never succeed, a password reset can.
 * @property {boolean} tooCostly The dump's hash is PBKDF2 with more iterations than a login may spend; `password` is it made unusable ("!" + the hash).
 * @property {number | null} lastLogin Milliseconds since the epoch.
 * @property {number} createdAt Milliseconds since the epoch.
 * @property {number} updatedAt Milliseconds since the epoch.
 */

/**
 * @typedef {object} Rejection A dump row that is not imported.
 * @property {number} index Position in the dump (0-based).
 * @property {unknown} pk The row's pk as found (may be missing or malformed).
 * @property {string} reason
 */

/**
 * @typedef {object} ParsedDump
 * @property {number} read Entries in the dump.
 * @property {ImportUser[]} users Rows that passed validation of the dump alone.
 * @property {Rejection[]} rejected
 * @property {string[]} ignoredFields Field names present in the dump that have no column here (e.g. groups).
 */

/**
 * @typedef {object} ExistingUser A row of `users` as EXISTING_USERS_SQL returns it.
 * @property {number} id
 * @property {string} email
 * @property {string} name
 * @property {number | boolean} tc
 * @property {number | boolean} is_active
 * @property {number | boolean} is_admin
 * @property {string} password
 * @property {number} password_version
 * @property {number | null} last_login
 * @property {number} created_at
 * @property {number} updated_at
 */

/**
 * @typedef {object} Update
 * @property {ImportUser} user
 * @property {string[]} changes Column names that change.
 */

/**
 * @typedef {object} Plan What an import would do against the given existing rows.
 * @property {number} read
 * @property {ImportUser[]} inserts
 * @property {Update[]} updates
 * @property {ImportUser[]} unchanged
 * @property {Rejection[]} rejected
 * @property {ImportUser[]} passwordsKept Rows whose dump hash differs from a stored hash the worker owns (re-hashed on login, changed or reset); the stored one stays.
 * @property {ImportUser[]} unusable Imported (inserted, updated or unchanged) rows whose dump hash can never log in.
 * @property {ImportUser[]} tooCostly Imported rows whose PBKDF2 hash was made unusable because checking it would cost too much CPU.
 * @property {string[]} ignoredFields
 */

/** A dump that cannot be read at all (not JSON, not a list): a usage error, not a rejected row. */
export class DumpFormatError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = "DumpFormatError";
  }
}

// ---------------------------------------------------------------------------
// E-mail: the worker's own rules (Django's EmailValidator and normalize_email), so the
// importer takes exactly the addresses registration takes.

export { isValidEmail, normalizeEmail };

/**
 * SQLite's lower(): ASCII letters only. The unique index is on lower(email) and every lookup
 * uses lower(), so this, not toLowerCase(), decides which addresses are "the same" in D1.
 * @param {string} value
 */
export function sqliteLower(value) {
  return value.replace(/[A-Z]+/g, (s) => s.toLowerCase());
}

// ---------------------------------------------------------------------------
// Password hashes: which ones login can verify, and the bounds, are the worker's own.

export { isSupportedHash, MAX_PBKDF2_ITERATIONS, MAX_SCRYPT_MEMORY_BYTES, MAX_SCRYPT_WORK };

// ---------------------------------------------------------------------------
// Timestamps: what DjangoJSONEncoder writes, e.g. "2026-11-29T10:45:21.503Z".

const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Milliseconds since the epoch for a Django ISO timestamp; null if it is not one.
 * Naive values (USE_TZ = False, no offset) are read as UTC. Sub-millisecond digits are dropped.
 * @param {unknown} value
 * @returns {number | null}
 */
export function parseDjangoTimestamp(value) {
  if (typeof value !== "string") return null;
  const m = TIMESTAMP_RE.exec(value);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? "0"].map(Number);
  const ms = Number((m[7] ?? "0").padEnd(3, "0").slice(0, 3));
  const base = Date.UTC(/** @type {number} */ (y), /** @type {number} */ (mo) - 1, d, h, mi, s, ms);
  const check = new Date(base);
  // Date.UTC rolls 2026-02-31 over to March: only accept dates that exist.
  if (check.getUTCFullYear() !== y || check.getUTCMonth() + 1 !== mo || check.getUTCDate() !== d) return null;
  if (/** @type {number} */ (h) > 23 || /** @type {number} */ (mi) > 59 || /** @type {number} */ (s) > 59) return null;
  let offset = 0;
  const zone = m[8];
  if (zone && zone !== "Z") {
    const digits = zone.replace(":", "");
    const oh = Number(digits.slice(1, 3));
    const om = Number(digits.slice(3, 5));
    if (oh > 23 || om > 59) return null;
    offset = (zone[0] === "-" ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  return base - offset;
}

// ---------------------------------------------------------------------------
// Parsing and validating the dump.

const KNOWN_FIELDS = new Set(["password", "last_login", "email", "name", "tc", "is_active", "is_admin", "created_at", "updated_at"]);

/** @param {string} value */
const codePoints = (value) => [...value].length;

/** @param {unknown} value */
const describe = (value) => (value === undefined ? "missing" : JSON.stringify(value));

/**
 * Strings D1 would not store exactly as given: an embedded NUL, or a lone UTF-16 surrogate
 * (JSON allows "\ud800"; it would be written as U+FFFD and never compare equal again).
 * @param {string} value
 */
function unstorable(value) {
  if (value.includes("\u0000")) return "contains a NUL character";
  if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(value)) return "is not valid Unicode (lone surrogate)";
  return null;
}

/**
 * Validates one dump entry on its own (no cross-row checks).
 * @param {unknown} entry
 * @param {number} index
 * @param {Set<string>} ignored collects unknown field names
 * @returns {ImportUser | Rejection}
 */
function validateEntry(entry, index, ignored) {
  /** @param {string} reason @returns {Rejection} */
  const reject = (reason) => ({ index, pk: isObject(entry) ? entry.pk : undefined, reason });
  if (!isObject(entry)) return reject("not an object");
  const model = entry.model;
  if (typeof model !== "string" || model.toLowerCase() !== DJANGO_MODEL) return reject(`model ${describe(model)} is not ${DJANGO_MODEL}`);
  const pk = entry.pk;
  if (typeof pk !== "number" || !Number.isSafeInteger(pk) || pk < 1) return reject(`pk ${describe(pk)} is not a positive integer`);
  const f = entry.fields;
  if (!isObject(f)) return reject("fields missing");
  for (const key of Object.keys(f)) if (!KNOWN_FIELDS.has(key)) ignored.add(key);

  const rawEmail = f.email;
  if (typeof rawEmail !== "string" || !rawEmail.trim()) return reject("email missing");
  const email = normalizeEmail(rawEmail);
  const emailProblem = unstorable(email);
  if (emailProblem) return reject(`email ${emailProblem}`);
  if (codePoints(email) > EMAIL_MAX_LENGTH) return reject(`email longer than ${EMAIL_MAX_LENGTH} characters`);
  if (!isValidEmail(email)) return reject(`email ${JSON.stringify(email)} is not a valid e-mail address`);

  const name = f.name;
  if (typeof name !== "string" || !name.trim()) return reject("name missing");
  const nameProblem = unstorable(name);
  if (nameProblem) return reject(`name ${nameProblem}`);
  if (codePoints(name) > NAME_MAX_LENGTH) return reject(`name longer than ${NAME_MAX_LENGTH} characters (${codePoints(name)})`);

  for (const key of ["tc", "is_active", "is_admin"]) {
    if (typeof f[key] !== "boolean") return reject(`${key} ${describe(f[key])} is not true or false`);
  }

  const password = f.password;
  if (typeof password !== "string") return reject(`password ${describe(password)} is not a string`);
  const passwordProblem = unstorable(password);
  if (passwordProblem) return reject(`password ${passwordProblem}`);

  if (password.length > MAX_PASSWORD_LENGTH) return reject(`password longer than ${MAX_PASSWORD_LENGTH} characters (no Django hasher writes one)`);
  const iterations = pbkdf2Iterations(password);
  const tooCostly = iterations !== null && iterations > MAX_PBKDF2_ITERATIONS;

  const createdAt = parseDjangoTimestamp(f.created_at);
  if (createdAt === null) return reject(`created_at ${describe(f.created_at)} is not an ISO timestamp`);
  const updatedAt = parseDjangoTimestamp(f.updated_at);
  if (updatedAt === null) return reject(`updated_at ${describe(f.updated_at)} is not an ISO timestamp`);
  let lastLogin = null;
  if (f.last_login !== null && f.last_login !== undefined) {
    lastLogin = parseDjangoTimestamp(f.last_login);
    if (lastLogin === null) return reject(`last_login ${describe(f.last_login)} is not an ISO timestamp or null`);
  }

  return {
    index,
    id: pk,
    email,
    name,
    tc: /** @type {boolean} */ (f.tc),
    isActive: /** @type {boolean} */ (f.is_active),
    isAdmin: /** @type {boolean} */ (f.is_admin),
    // Kept behind Django's unusable-password mark, not dropped: should the bound ever be
    // raised, removing the "!" restores the hash.
    password: tooCostly ? `!${password}` : password,
    usablePassword: !tooCostly && isSupportedHash(password),
    tooCostly,
    lastLogin,
    createdAt,
    updatedAt,
  };
}

/**
 * @param {unknown} value
 * @returns {value is Record<string, unknown>}
 */
function isObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Validates dump entries as they are read (each row alone), then across the dump in finish().
 * A pk or an e-mail (compared as SQLite's lower() does) used by several rows rejects
 * every one of them: which row is the real account is for a person to decide.
 */
export function createDumpValidator() {
  /** @type {Set<string>} */
  const ignored = new Set();
  /** @type {ImportUser[]} */
  const valid = [];
  /** @type {Rejection[]} */
  const rejected = [];
  let read = 0;
  return {
    /** @param {unknown} entry */
    add(entry) {
      const r = validateEntry(entry, read++, ignored);
      if ("reason" in r) rejected.push(r);
      else valid.push(r);
    },
    get read() {
      return read;
    },
    /** @returns {ParsedDump} */
    finish() {
      /** @type {Map<number, number>} */
      const pkCount = new Map();
      /** @type {Map<string, number>} */
      const emailCount = new Map();
      for (const u of valid) {
        pkCount.set(u.id, (pkCount.get(u.id) ?? 0) + 1);
        const key = sqliteLower(u.email);
        emailCount.set(key, (emailCount.get(key) ?? 0) + 1);
      }
      // Lists of pks only for the shared addresses: a map of lists for every row would double the memory of a big dump.
      /** @type {Map<string, number[]>} */
      const sharers = new Map();
      for (const u of valid) {
        const key = sqliteLower(u.email);
        if (/** @type {number} */ (emailCount.get(key)) > 1) sharers.set(key, [...(sharers.get(key) ?? []), u.id]);
      }
      const users = [];
      for (const u of valid) {
        const samePk = /** @type {number} */ (pkCount.get(u.id));
        const sameEmail = sharers.get(sqliteLower(u.email));
        if (samePk > 1) {
          rejected.push({ index: u.index, pk: u.id, reason: `pk ${u.id} appears ${samePk} times in the dump` });
        } else if (sameEmail) {
          const others = [...sameEmail];
          others.splice(others.indexOf(u.id), 1);
          rejected.push({ index: u.index, pk: u.id, reason: `email ${JSON.stringify(u.email)} is also used by pk ${others.join(", ")} in the dump (e-mails are unique regardless of letter case here)` });
        } else {
          users.push(u);
        }
      }
      rejected.sort((a, b) => a.index - b.index);
      return { read, users, rejected, ignoredFields: [...ignored].sort() };
    },
  };
}

/**
 * Validates a parsed dump.
 * @param {unknown} value the result of JSON.parse on the dump
 * @returns {ParsedDump}
 */
export function validateDump(value) {
  if (!Array.isArray(value)) throw new DumpFormatError(NOT_A_LIST);
  const validator = createDumpValidator();
  for (const entry of value) validator.add(entry);
  return validator.finish();
}

const NOT_A_LIST = "the dump is not a JSON list (expected `manage.py dumpdata account.MyUser` output)";

/** @param {unknown} e */
function formatError(e) {
  if (!(e instanceof JsonListError)) return e;
  return new DumpFormatError(e.message === "not a JSON list" ? NOT_A_LIST : `the dump is ${e.message}`);
}

/**
 * Parses and validates dump text. Throws DumpFormatError when it is not a JSON list.
 * @param {string} text
 * @returns {ParsedDump}
 */
export function parseDump(text) {
  let list;
  try {
    list = parseJsonArray(text);
  } catch (e) {
    throw formatError(e);
  }
  return validateDump(list);
}

/**
 * The same, for a dump read as a stream of text: entries are validated as they arrive, so
 * memory holds the validated rows, never the whole text or its parse tree.
 * @param {AsyncIterable<string>} chunks
 * @returns {Promise<ParsedDump>}
 */
export async function readDump(chunks) {
  const validator = createDumpValidator();
  try {
    for await (const entry of readJsonArray(chunks)) validator.add(entry);
  } catch (e) {
    throw formatError(e);
  }
  return validator.finish();
}

// ---------------------------------------------------------------------------
// Planning against the existing rows. Mirrors the SQL in upsertStatement exactly.

/** Every column the plan compares. */
export const EXISTING_USERS_COLUMNS = ["id", "email", "name", "tc", "is_active", "is_admin", "password", "password_version", "last_login", "created_at", "updated_at"];

/** Reads every column the plan compares; one row per user. */
export const EXISTING_USERS_SQL = `SELECT ${EXISTING_USERS_COLUMNS.join(", ")} FROM users ORDER BY id`;

/** The next id a registration gets is max(seq, max(id)) + 1 (AUTOINCREMENT). */
export const SEQUENCE_SQL =
  "SELECT (SELECT seq FROM sqlite_sequence WHERE name = 'users') AS seq, (SELECT max(id) FROM users) AS max_id, (SELECT count(*) FROM users) AS users";

/**
 * May the import replace the stored password? Only while the worker has never written it:
 * no change or reset (password_version still 0) and not a hash in the worker's own format
 * (a successful login re-hashes an imported hash into the configured one of these formats; an
 * imported hash already in one of them is kept, as the worker cannot tell it from its own).
 * @param {Pick<ExistingUser, "password" | "password_version">} row
 */
export function passwordReplaceable(row) {
  return Number(row.password_version) === 0 && !WORKER_HASH_PREFIXES.some((prefix) => String(row.password).startsWith(prefix));
}

/** @param {boolean} b */
const bit = (b) => (b ? 1 : 0);

/**
 * The row after an upsert of `u` over `row`, and the names of the columns that change.
 * email/name/tc/is_active/is_admin/created_at follow the dump; password only when
 * replaceable; last_login and updated_at only move forward.
 * @param {ExistingUser} row
 * @param {ImportUser} u
 */
export function mergeChanges(row, u) {
  const changes = [];
  if (row.email !== u.email) changes.push("email");
  if (row.name !== u.name) changes.push("name");
  if (Number(row.tc) !== bit(u.tc)) changes.push("tc");
  if (Number(row.is_active) !== bit(u.isActive)) changes.push("is_active");
  if (Number(row.is_admin) !== bit(u.isAdmin)) changes.push("is_admin");
  const passwordDiffers = row.password !== u.password;
  const replaceable = passwordReplaceable(row);
  if (passwordDiffers && replaceable) changes.push("password");
  if (u.lastLogin !== null && (row.last_login === null || u.lastLogin > row.last_login)) changes.push("last_login");
  if (row.created_at !== u.createdAt) changes.push("created_at");
  if (u.updatedAt > row.updated_at) changes.push("updated_at");
  return { changes, passwordKept: passwordDiffers && !replaceable };
}

/**
 * Sorts validated rows into inserts, updates, unchanged and rejections against the rows in D1.
 * Rejected here: an e-mail that belongs to another id, and an id whose stored e-mail is a
 * different address (a different account: it is never overwritten).
 * @param {ParsedDump} dump
 * @param {ExistingUser[]} existing
 * @returns {Plan}
 */
export function planImport(dump, existing) {
  /** @type {Map<number, ExistingUser>} */
  const byId = new Map();
  /** @type {Map<string, ExistingUser>} */
  const byEmail = new Map();
  for (const row of existing) {
    byId.set(Number(row.id), row);
    byEmail.set(sqliteLower(row.email), row);
  }
  /** @type {Plan} */
  const plan = { read: dump.read, inserts: [], updates: [], unchanged: [], rejected: [...dump.rejected], passwordsKept: [], unusable: [], tooCostly: [], ignoredFields: dump.ignoredFields };
  for (const u of dump.users) {
    const row = byId.get(u.id);
    const owner = byEmail.get(sqliteLower(u.email));
    if (owner && Number(owner.id) !== u.id) {
      plan.rejected.push({ index: u.index, pk: u.id, reason: `email ${JSON.stringify(u.email)} already belongs to user id ${owner.id} in the database` });
      continue;
    }
    if (!row) {
      plan.inserts.push(u);
    } else if (sqliteLower(row.email) !== sqliteLower(u.email)) {
      plan.rejected.push({ index: u.index, pk: u.id, reason: `id ${u.id} already belongs to ${JSON.stringify(row.email)} in the database; a different address is not overwritten` });
      continue;
    } else {
      const { changes, passwordKept } = mergeChanges(row, u);
      if (changes.length) plan.updates.push({ user: u, changes });
      else plan.unchanged.push(u);
      if (passwordKept) plan.passwordsKept.push(u);
    }
    if (u.tooCostly) plan.tooCostly.push(u);
    else if (!u.usablePassword) plan.unusable.push(u);
  }
  plan.rejected.sort((a, b) => a.index - b.index);
  return plan;
}

// ---------------------------------------------------------------------------
// SQL. Literals only (wrangler d1 execute --file takes no parameters), built so no value can
// leave its literal: strings quoted with doubled single quotes, numbers checked to be integers.

/**
 * A SQL string literal. Strings that wrangler's file pre-processing would edit even inside
 * quotes ("BEGIN TRANSACTION" and "COMMIT;" are stripped from the text) are written as a
 * hex blob cast to TEXT instead, which no splitter or trimmer can misread.
 * @param {string} value
 */
export function sqlString(value) {
  if (typeof value !== "string") throw new TypeError("sqlString needs a string");
  const problem = unstorable(value);
  if (problem) throw new RangeError(`string ${problem}`);
  if (/BEGIN\s+TRANSACTION|COMMIT/i.test(value)) {
    return `CAST(X'${Array.from(new TextEncoder().encode(value), (b) => b.toString(16).padStart(2, "0")).join("")}' AS TEXT)`;
  }
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * A SQL integer literal; throws for anything but a safe integer.
 * @param {number} value
 */
export function sqlInteger(value) {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) throw new RangeError(`not a safe integer: ${String(value)}`);
  return String(value);
}

/** @param {number | null} value */
const sqlIntegerOrNull = (value) => (value === null ? "NULL" : sqlInteger(value));

// The stored password may be replaced only while the worker has never written it (see passwordReplaceable).
const REPLACEABLE = `(users.password_version = 0 AND ${WORKER_HASH_PREFIXES.map((prefix) => `substr(users.password, 1, ${prefix.length}) IS NOT '${prefix}'`).join(" AND ")})`;
const NEWER_LOGIN = "(excluded.last_login IS NOT NULL AND (users.last_login IS NULL OR excluded.last_login > users.last_login))";

/** D1's limit on the length of one SQL statement, in bytes. */
export const MAX_STATEMENT_BYTES = 100_000;

/** @param {ImportUser} u */
function rowValues(u) {
  return `(${[
    sqlInteger(u.id),
    sqlString(u.email),
    sqlString(u.name),
    String(bit(u.tc)),
    String(bit(u.isActive)),
    String(bit(u.isAdmin)),
    sqlString(u.password),
    sqlIntegerOrNull(u.lastLogin),
    sqlInteger(u.createdAt),
    sqlInteger(u.updatedAt),
    // Django never verified addresses; its active users count as verified (they predate it).
    String(bit(u.isActive)),
  ].join(", ")})`;
}

const UPSERT_HEAD = "INSERT INTO users (id, email, name, tc, is_active, is_admin, password, last_login, created_at, updated_at, email_verified) VALUES\n";
const UPSERT_TAIL = [
  "",
  "ON CONFLICT(id) DO UPDATE SET",
  "  email = excluded.email, name = excluded.name, tc = excluded.tc, is_active = excluded.is_active, is_admin = excluded.is_admin,",
  `  password = CASE WHEN ${REPLACEABLE} THEN excluded.password ELSE users.password END,`,
  `  last_login = CASE WHEN ${NEWER_LOGIN} THEN excluded.last_login ELSE users.last_login END,`,
  "  created_at = excluded.created_at, updated_at = max(users.updated_at, excluded.updated_at),",
  "  email_verified = max(users.email_verified, excluded.email_verified)",
  "WHERE lower(users.email) = lower(excluded.email) AND (",
  "  users.email IS NOT excluded.email OR users.name IS NOT excluded.name OR users.tc IS NOT excluded.tc",
  "  OR users.is_active IS NOT excluded.is_active OR users.is_admin IS NOT excluded.is_admin",
  `  OR (${REPLACEABLE} AND users.password IS NOT excluded.password) OR ${NEWER_LOGIN}`,
  "  OR users.created_at IS NOT excluded.created_at OR excluded.updated_at > users.updated_at)",
  "ON CONFLICT DO NOTHING",
].join("\n");

/**
 * An idempotent upsert for validated rows (one statement, however many rows): each row is
 * inserted with Django's pk as id, or updates the row of that id only if it holds the same
 * address (SQLite lower()) and something would change; a row whose e-mail another id holds
 * does nothing (ON CONFLICT DO NOTHING). Running it twice changes nothing the second time.
 * Its `changes` count is the number of rows inserted or updated.
 * @param {ImportUser | ImportUser[]} users
 */
export function upsertStatement(users) {
  const rows = Array.isArray(users) ? users : [users];
  if (!rows.length) throw new RangeError("upsertStatement needs at least one row");
  return UPSERT_HEAD + rows.map(rowValues).join(",\n") + UPSERT_TAIL;
}

const encoder = new TextEncoder();
/** @param {string} s */
const utf8Length = (s) => (/^[\x00-\x7f]*$/.test(s) ? s.length : encoder.encode(s).length);

/**
 * Multi-row upserts for `rows`, each statement within D1's statement limit (with room to
 * spare). Many rows per statement is what makes a big import fast: SQLite compiles the long
 * upsert once per statement, not once per row.
 * @param {ImportUser[]} rows
 * @param {number} [maxBytes]
 * @returns {string[]}
 */
export function upsertStatements(rows, maxBytes = MAX_STATEMENT_BYTES * 0.9) {
  const fixed = utf8Length(UPSERT_HEAD + UPSERT_TAIL);
  const statements = [];
  /** @type {string[]} */
  let values = [];
  let size = fixed;
  for (const u of rows) {
    const v = rowValues(u);
    const n = utf8Length(v) + 2;
    if (values.length && size + n > maxBytes) {
      statements.push(UPSERT_HEAD + values.join(",\n") + UPSERT_TAIL);
      values = [];
      size = fixed;
    }
    values.push(v);
    size += n;
  }
  if (values.length) statements.push(UPSERT_HEAD + values.join(",\n") + UPSERT_TAIL);
  return statements;
}

/**
 * Statements that make the next registered id at least `nextId` (for ids Django used for
 * users that were deleted before the dump: old simplejwt tokens name them). Only ever raises.
 * @param {number} nextId
 */
export function sequenceStatements(nextId) {
  if (!Number.isSafeInteger(nextId) || nextId < 1) throw new RangeError(`next id must be a positive integer, got ${String(nextId)}`);
  const seq = sqlInteger(nextId - 1);
  return [
    `INSERT INTO sqlite_sequence (name, seq) SELECT 'users', ${seq} WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'users')`,
    `UPDATE sqlite_sequence SET seq = ${seq} WHERE name = 'users' AND seq < ${seq}`,
  ];
}

/**
 * The rows a plan writes (inserts and updates), in id order.
 * @param {Plan} plan
 */
export function rowsToWrite(plan) {
  return [...plan.inserts, ...plan.updates.map((x) => x.user)].sort((a, b) => a.id - b.id);
}

/**
 * The statements that carry out a plan: multi-row upserts of the inserted and updated rows
 * (and the sequence bump when asked for).
 * @param {Plan} plan
 * @param {{ nextId?: number }} [options]
 * @returns {string[]}
 */
export function buildStatements(plan, options = {}) {
  const rows = rowsToWrite(plan);
  const statements = rows.length ? upsertStatements(rows) : [];
  if (options.nextId !== undefined) statements.push(...sequenceStatements(options.nextId));
  return statements;
}

/**
 * A .sql file for `wrangler d1 execute --file`: one statement each, ";" terminated.
 * @param {string[]} statements
 */
export function toSqlFile(statements) {
  return statements.map((s) => `${s};\n`).join("");
}

/**
 * One line per rejected row, for the report.
 * @param {Rejection} r
 */
export function formatRejection(r) {
  const pk = typeof r.pk === "number" && Number.isSafeInteger(r.pk) ? `pk ${r.pk}` : `pk ${describe(r.pk)}`;
  return `rejected entry #${r.index + 1} (${pk}): ${r.reason}`;
}

/**
 * The counts line of the report.
 * @param {Plan} plan
 */
export function formatCounts(plan) {
  return `read ${plan.read}, inserted ${plan.inserts.length}, updated ${plan.updates.length}, unchanged ${plan.unchanged.length}, rejected ${plan.rejected.length}`;
}
