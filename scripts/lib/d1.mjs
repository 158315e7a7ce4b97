// The importer's two ways into D1 binding DB, with one interface:
//   all(sql) -> rows; readUsers() -> every users row; write(statements) -> rows changed.
// Local: Miniflare opened exactly as `wrangler d1 execute --local` opens it (same persistence
// directory, same database id), so `npm run dev` sees what was written; but one process for the
// whole import instead of one wrangler run per step, and statements sent as D1 batches
// (each a transaction) without wrangler's character-by-character SQL splitter.
// Remote: `wrangler d1 execute --remote`, with every write a file of its own (D1's import:
// each file all or nothing) and reads paged to stay under D1's 50 MB result limit.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { EXISTING_USERS_COLUMNS, toSqlFile } from "./django-dump.mjs";

/** Rows per read: a few MB per page (far under D1's 50 MB result limit even with long names). */
export const READ_PAGE = 10_000;

export class D1Error extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = "D1Error";
  }
}

/** @param {string} sql */
const pageSql = (sql) => `${sql} WHERE id > ?1 ORDER BY id LIMIT ?2`;
const USERS_PAGE = pageSql(`SELECT ${EXISTING_USERS_COLUMNS.join(", ")} FROM users`);

/**
 * Runs wrangler with this Node (22, from the `node` devDependency), quietly.
 * @param {string} root
 * @param {string[]} argv
 */
export function runWrangler(root, argv) {
  const wrangler = join(root, "node_modules/wrangler/bin/wrangler.js");
  const r = spawnSync(process.execPath, [wrangler, ...argv], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 1 << 30,
    // No interactive prompts (the file import of --remote asks for confirmation otherwise).
    env: { ...process.env, CI: "true" },
  });
  if (r.error) throw new D1Error(`could not run wrangler: ${r.error.message}`);
  return r;
}

/** wrangler.toml's DB binding, read by wrangler itself. */
async function readDbConfig(root) {
  const wrangler = await import(pathToFileURL(join(root, "node_modules/wrangler/wrangler-dist/cli.js")).href);
  const config = wrangler.unstable_readConfig({ config: join(root, "wrangler.toml") }, { hideWarnings: true });
  const db = (config.d1_databases ?? []).find((d) => d.binding === "DB");
  if (!db) throw new D1Error("wrangler.toml has no D1 binding DB");
  return { db, configPath: config.configPath ?? join(root, "wrangler.toml") };
}

/**
 * The local database, as `wrangler d1 execute DB --local [--persist-to dir]` sees it.
 * @param {{ root: string; persistTo?: string }} options
 */
export async function openLocal({ root, persistTo }) {
  const { db: dbConfig, configPath } = await readDbConfig(root);
  // wrangler's getLocalPersistencePath and executeLocally: <dir>/v3, the database named by
  // preview_database_id, else database_id, else the binding.
  const persistence = persistTo ? resolve(persistTo) : resolve(dirname(configPath), ".wrangler/state");
  const id = dbConfig.preview_database_id ?? dbConfig.database_id ?? dbConfig.binding;
  const migrationsDir = join(dirname(configPath), dbConfig.migrations_dir ?? "migrations");
  const migrationsTable = dbConfig.migrations_table ?? "d1_migrations";

  const require = createRequire(join(root, "node_modules/wrangler/package.json"));
  const { Miniflare, convertV4MiniflareOptions } = await import(pathToFileURL(require.resolve("miniflare")).href);
  const toOptions = typeof convertV4MiniflareOptions === "function" ? convertV4MiniflareOptions : (/** @type {any} */ o) => o;

  let mf = null;
  let db = null;
  const open = async () => {
    mf = new Miniflare(toOptions({ modules: true, script: "", resourcePersistencePath: join(persistence, "v3"), d1Databases: { DATABASE: id } }));
    db = await mf.getD1Database("DATABASE");
  };
  const close = async () => {
    const m = mf;
    mf = db = null;
    await m?.dispose();
  };
  await open();

  const all = async (/** @type {string} */ sql, /** @type {unknown[]} */ ...params) => {
    try {
      return (await db.prepare(sql).bind(...params).all()).results;
    } catch (e) {
      throw new D1Error(/** @type {Error} */ (e).message);
    }
  };

  return {
    where: "the local D1 database DB",
    all,
    close,
    /** As `npm run dev` does, the local database gets every migration before it is used; wrangler applies them only when one is missing. */
    async migrate() {
      const files = existsSync(migrationsDir) ? readdirSync(migrationsDir).filter((f) => f.endsWith(".sql")) : [];
      let applied = [];
      try {
        applied = (await all(`SELECT name FROM ${migrationsTable}`)).map((r) => r.name);
      } catch {
        // no migrations table yet: a fresh database
      }
      if (files.every((f) => applied.includes(f))) return false;
      // Two workerd processes on one SQLite file are safe (`wrangler dev` and `d1 execute` do it),
      // but there is no need for it here.
      await close();
      const r = runWrangler(root, ["d1", "migrations", "apply", "DB", "--local", ...(persistTo ? ["--persist-to", persistence] : [])]);
      if (r.status !== 0) throw new D1Error(`applying the local migrations failed:\n${`${r.stdout}\n${r.stderr}`.trim()}`);
      await open();
      return true;
    },
    async readUsers() {
      const rows = [];
      for (let last = 0; ; ) {
        const page = await db.prepare(USERS_PAGE).bind(last, READ_PAGE).raw().catch((/** @type {Error} */ e) => {
          throw new D1Error(e.message);
        });
        for (const r of page) rows.push(Object.fromEntries(EXISTING_USERS_COLUMNS.map((c, i) => [c, r[i]])));
        if (page.length < READ_PAGE) return rows;
        last = page[page.length - 1][0];
      }
    },
    /** One D1 batch: one transaction, all or nothing. */
    async write(/** @type {string[]} */ statements) {
      try {
        const results = await db.batch(statements.map((s) => db.prepare(s)));
        return results.reduce((n, r) => n + (r.meta?.changes ?? 0), 0);
      } catch (e) {
        throw new D1Error(/** @type {Error} */ (e).message);
      }
    },
  };
}

/**
 * The deployed database, through `wrangler d1 execute --remote`.
 * @param {{ root: string }} options
 */
export function openRemote({ root }) {
  /** @param {string[]} input */
  const execute = (input) => {
    const r = runWrangler(root, ["d1", "execute", "DB", "--remote", "--json", "--yes", ...input]);
    let parsed;
    try {
      parsed = JSON.parse(r.stdout);
    } catch {
      parsed = undefined;
    }
    const error = parsed && !Array.isArray(parsed) ? (parsed.error?.text ?? JSON.stringify(parsed)) : undefined;
    if (r.status !== 0 || !Array.isArray(parsed) || error) throw new D1Error(error ?? (`${r.stdout}\n${r.stderr}`.trim() || `exit code ${r.status}`));
    return /** @type {Array<{ results: any[]; meta?: { changes?: number } }>} */ (parsed);
  };
  return {
    where: "the remote D1 database DB",
    async all(/** @type {string} */ sql) {
      return execute(["--command", sql])[0]?.results ?? [];
    },
    async close() {},
    // The remote database is migrated as part of deploying (npm run db:migrate:remote), never from here.
    async migrate() {
      return false;
    },
    async readUsers() {
      const rows = [];
      for (let last = 0; ; ) {
        // --command takes no parameters; both values are integers we produced.
        const page = await this.all(USERS_PAGE.replace("?1", String(Number(last))).replace("?2", String(READ_PAGE)));
        rows.push(...page);
        if (page.length < READ_PAGE) return rows;
        last = page[page.length - 1].id;
      }
    },
    /** One file, imported by D1 as a whole: all or nothing. */
    async write(/** @type {string[]} */ statements) {
      const file = join(tmpdir(), `import-django-${randomBytes(6).toString("hex")}.sql`);
      writeFileSync(file, toSqlFile(statements), { mode: 0o600 });
      try {
        const results = execute(["--file", file]);
        return results.reduce((n, r) => n + (r.meta?.changes ?? 0), 0);
      } finally {
        rmSync(file, { force: true });
      }
    },
  };
}
