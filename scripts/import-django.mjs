// `npm run import:django -- <dumpdata.json> [--remote] [--dry-run] [--next-id N] [--persist-to DIR]`
// Imports `python manage.py dumpdata account.MyUser` output into the D1 database DB, idempotently.
// The rules (what is rejected, which fields a re-run updates) live in ./lib/django-dump.mjs.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  DumpFormatError,
  EXISTING_USERS_SQL,
  SEQUENCE_SQL,
  buildStatements,
  formatCounts,
  formatRejection,
  parseDump,
  planImport,
  toSqlFile,
} from "./lib/django-dump.mjs";

const USAGE = `Usage: npm run import:django -- <dumpdata.json> [options]

Imports the users of \`python manage.py dumpdata account.MyUser\` into the D1 database DB
(the local one \`npm run dev\` uses, unless --remote). Safe to run again: rows already
imported are left as they are or updated; passwords the worker has re-hashed or changed stay.

Options:
  --remote          write to the remote (deployed) D1 database instead of the local one
  --dry-run         report what would happen, write nothing
  --next-id <n>     make later registrations get ids >= n (e.g. Django's own next id, so ids of
                    users deleted in Django are never handed out again)
  --persist-to <d>  local D1 state directory (wrangler's --persist-to; default .wrangler/state)
  -h, --help        show this help`;

const root = fileURLToPath(new URL("..", import.meta.url));
// The package's own bin file, run with this Node (22, from the `node` devDependency), as scripts/dev.mjs does.
const wrangler = fileURLToPath(new URL("../node_modules/wrangler/bin/wrangler.js", import.meta.url));

/**
 * A usage error (bad arguments, unreadable or malformed dump): exit code 2.
 * @param {string} message
 * @param {boolean} [help] also print the usage text
 */
function usage(message, help = true) {
  console.error(`import:django: ${message}${help ? `\n\n${USAGE}` : ""}`);
  process.exit(2);
}

/** @param {string} message */
function fail(message) {
  console.error(`import:django: ${message}`);
  process.exit(1);
}

let args;
try {
  args = parseArgs({
    allowPositionals: true,
    options: {
      remote: { type: "boolean", default: false },
      "dry-run": { type: "boolean", default: false },
      "next-id": { type: "string" },
      "persist-to": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
} catch (e) {
  usage(/** @type {Error} */ (e).message);
}
if (args.values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (args.positionals.length !== 1) usage(args.positionals.length ? "give exactly one dump file" : "no dump file given");
const remote = args.values.remote;
const dryRun = args.values["dry-run"];
if (remote && args.values["persist-to"]) usage("--persist-to is for the local database only");
let nextId;
if (args.values["next-id"] !== undefined) {
  if (!/^[1-9]\d{0,15}$/.test(args.values["next-id"])) usage("--next-id needs a positive integer");
  nextId = Number(args.values["next-id"]);
  if (!Number.isSafeInteger(nextId)) usage("--next-id is too large");
}

// npm runs scripts in the package root; a relative path means the directory npm was started in.
const dumpPath = resolve(process.env.INIT_CWD ?? process.cwd(), /** @type {string} */ (args.positionals[0]));
let text;
try {
  text = readFileSync(dumpPath, "utf8");
} catch (e) {
  usage(`cannot read ${dumpPath}: ${/** @type {Error} */ (e).message}`, false);
}
let dump;
try {
  dump = parseDump(/** @type {string} */ (text));
} catch (e) {
  if (e instanceof DumpFormatError) usage(`${dumpPath}: ${e.message}`, false);
  throw e;
}

const target = remote ? ["--remote"] : ["--local", ...(args.values["persist-to"] ? ["--persist-to", resolve(process.env.INIT_CWD ?? process.cwd(), args.values["persist-to"])] : [])];
const where = remote ? "the remote D1 database DB" : "the local D1 database DB";

/**
 * Runs wrangler with this Node, quietly; the output is shown only when it fails.
 * @param {string[]} argv
 */
function runWrangler(argv) {
  const r = spawnSync(process.execPath, [wrangler, ...argv], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 1 << 30,
    // No interactive prompts (the file import of --remote asks for confirmation otherwise).
    env: { ...process.env, CI: "true" },
  });
  if (r.error) fail(`could not run wrangler: ${r.error.message}`);
  return r;
}

/**
 * `wrangler d1 execute --json`: the result sets of the statements.
 * @param {string[]} input ["--command", sql] or ["--file", path]
 * @returns {Array<{ results: any[]; success: boolean }>}
 */
function d1(input) {
  const r = runWrangler(["d1", "execute", "DB", ...target, "--json", ...(remote ? ["--yes"] : []), ...input]);
  let parsed;
  try {
    parsed = JSON.parse(r.stdout);
  } catch {
    parsed = undefined;
  }
  const error = parsed && !Array.isArray(parsed) ? (parsed.error?.text ?? JSON.stringify(parsed)) : undefined;
  if (r.status !== 0 || !Array.isArray(parsed) || error) {
    const detail = error ?? (`${r.stdout}\n${r.stderr}`.trim() || `exit code ${r.status}`);
    if (/no such table: users/.test(detail)) {
      fail(`${where} has no users table: apply the migrations first (npm run db:migrate:${remote ? "remote" : "local"}).`);
    }
    fail(`wrangler d1 execute failed: ${detail}`);
  }
  return parsed;
}

if (!remote) {
  // As `npm run dev` does: the local database gets every migration before it is used.
  // The remote one is migrated as part of deploying (npm run db:migrate:remote), never from here.
  const migrate = runWrangler(["d1", "migrations", "apply", "DB", ...target]);
  if (migrate.status !== 0) fail(`applying the local migrations failed:\n${`${migrate.stdout}\n${migrate.stderr}`.trim()}`);
}

/**
 * The users table and the id sequence, in one wrangler run.
 * @returns {{ users: import("./lib/django-dump.mjs").ExistingUser[]; sequence: { seq?: number | null; max_id?: number | null; users?: number } }}
 */
function readState() {
  const [users, sequence] = d1(["--command", `${EXISTING_USERS_SQL}; ${SEQUENCE_SQL}`]);
  return { users: users?.results ?? [], sequence: sequence?.results[0] ?? {} };
}

console.log(`Importing ${dumpPath}${dryRun ? " (dry run)" : ""} into ${where}.`);
let state = readState();
const plan = planImport(dump, state.users);
const statements = buildStatements(plan, nextId === undefined ? {} : { nextId });

for (const r of plan.rejected) console.log(formatRejection(r));
if (plan.ignoredFields.length) console.log(`fields not imported (no column here): ${plan.ignoredFields.join(", ")}`);
if (plan.unusable.length) {
  console.log(`imported without a usable password (unusable "!…" or unsupported hasher; login fails until a password reset): pk ${plan.unusable.map((u) => u.id).join(", ")}`);
}
if (plan.passwordsKept.length) {
  console.log(`passwords kept (re-hashed on login, changed or reset in the worker since the import): ${plan.passwordsKept.length}`);
}
for (const u of plan.updates) console.log(`update pk ${u.user.id}: ${u.changes.join(", ")}`);

if (dryRun || statements.length === 0) {
  console.log(`${dryRun ? "would have: " : ""}${formatCounts(plan)}`);
} else {
  const file = join(tmpdir(), `import-django-${randomBytes(6).toString("hex")}.sql`);
  writeFileSync(file, toSqlFile(statements), { mode: 0o600 });
  try {
    d1(["--file", file]);
  } finally {
    rmSync(file, { force: true });
  }
  // What was planned must now be in place: a second plan over the written rows finds nothing to do.
  state = readState();
  const after = planImport(dump, state.users);
  const pending = [...after.inserts, ...after.updates.map((u) => u.user)];
  const newlyRejected = after.rejected.filter((r) => !plan.rejected.some((p) => p.index === r.index));
  console.log(formatCounts(plan));
  if (pending.length || newlyRejected.length) {
    for (const r of newlyRejected) console.log(`not written: ${formatRejection(r)}`);
    for (const u of pending) console.log(`not written: pk ${u.id}`);
    fail("some rows were not written (changed concurrently?); run the import again");
  }
}

if (!dryRun) {
  const s = state.sequence;
  const next = Math.max(Number(s.seq ?? 0), Number(s.max_id ?? 0)) + 1;
  console.log(`users in the database: ${s.users}; next registered id: ${next} (sqlite_sequence ${s.seq ?? "none"}, max(id) ${s.max_id ?? "none"})`);
  if (nextId !== undefined && next < nextId) fail(`the sequence was not raised to --next-id ${nextId}`);
}
