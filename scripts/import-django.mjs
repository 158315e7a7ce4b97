// `npm run import:django -- <dumpdata.json> [--remote] [--dry-run] [--next-id N] [--persist-to DIR] [--batch N]`
// Imports `python manage.py dumpdata account.MyUser` output into the D1 database DB, idempotently.
// The rules (what is rejected, which fields a re-run updates) live in ./lib/django-dump.mjs;
// the ways into D1 in ./lib/d1.mjs.
import { createReadStream, statSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { D1Error, openLocal, openRemote } from "./lib/d1.mjs";
import {
  DumpFormatError,
  SEQUENCE_SQL,
  formatCounts,
  formatRejection,
  planImport,
  readDump,
  rowsToWrite,
  sequenceStatements,
  upsertStatements,
  MAX_PBKDF2_ITERATIONS,
} from "./lib/django-dump.mjs";
import { createProgress } from "./lib/progress.mjs";

const USAGE = `Usage: npm run import:django -- <dumpdata.json> [options]

Imports the users of \`python manage.py dumpdata account.MyUser\` into the D1 database DB
(the local one \`npm run dev\` uses, unless --remote). Safe to run again, also after an
interruption: rows already imported are left as they are or updated; passwords the worker
has re-hashed or changed stay.

Options:
  --remote          write to the remote (deployed) D1 database instead of the local one
  --dry-run         report what would happen, write nothing
  --next-id <n>     make later registrations get ids >= n (e.g. Django's own next id, so ids of
                    users deleted in Django are never handed out again)
  --persist-to <d>  local D1 state directory (wrangler's --persist-to; default .wrangler/state)
  --batch <n>       users per transaction (default 5000 locally, 10000 per file remotely)
  -h, --help        show this help`;

const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * A usage error (bad arguments, unreadable or malformed dump): exit code 2.
 * @param {string} message
 * @param {boolean} [help] also print the usage text
 */
function usage(message, help = true) {
  console.error(`import:django: ${message}${help ? `\n\n${USAGE}` : ""}`);
  process.exit(2);
}

/**
 * @param {string} message
 * @param {number} [code]
 */
function fail(message, code = 1) {
  console.error(`import:django: ${message}`);
  process.exit(code);
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
      batch: { type: "string" },
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

let batch = remote ? 10_000 : 5_000;
if (args.values.batch !== undefined) {
  if (!/^[1-9]\d{0,6}$/.test(args.values.batch)) usage("--batch needs a positive integer");
  batch = Number(args.values.batch);
}

// npm runs scripts in the package root; a relative path means the directory npm was started in.
const cwd = process.env.INIT_CWD ?? process.cwd();
const dumpPath = resolve(cwd, /** @type {string} */ (args.positionals[0]));

/** The dump as text chunks, with a progress line for big files. */
async function* dumpText() {
  const size = statSync(dumpPath).size;
  const progress = size > 20e6 ? createProgress({ total: Math.round(size / 1e6), label: "reading the dump (MB)" }) : null;
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let bytes = 0;
  for await (const chunk of createReadStream(dumpPath, { highWaterMark: 1 << 20 })) {
    bytes += chunk.length;
    progress?.update(Math.round(bytes / 1e6));
    yield decoder.decode(chunk, { stream: true });
  }
  yield decoder.decode();
  progress?.finish();
}

// Starting workerd overlaps with reading the dump (another process, another core).
const opening = remote ? Promise.resolve(openRemote({ root })) : openLocal({ root, persistTo: args.values["persist-to"] && resolve(cwd, args.values["persist-to"]) });
opening.catch(() => {}); // awaited below, after the dump has been read

let dump;
try {
  dump = await readDump(dumpText());
} catch (e) {
  if (e instanceof DumpFormatError) usage(`${dumpPath}: ${e.message}`, false);
  if (e instanceof TypeError && /decode|encoded/i.test(e.message)) usage(`${dumpPath}: not UTF-8 text`, false);
  const err = /** @type {NodeJS.ErrnoException} */ (e);
  if (err.code) usage(`cannot read ${dumpPath}: ${err.message}`, false);
  throw e;
}

/** @param {unknown} e */
function d1Failure(e, where) {
  if (!(e instanceof D1Error)) throw e;
  if (/no such table: users/.test(e.message)) fail(`${where} has no users table: apply the migrations first (npm run db:migrate:${remote ? "remote" : "local"}).`);
  fail(`D1 failed: ${e.message}`);
}

const db = await opening;
try {
  await run();
} catch (e) {
  d1Failure(e, db.where);
} finally {
  await db.close();
}

async function run() {
  await db.migrate();
  console.log(`Importing ${dumpPath}${dryRun ? " (dry run)" : ""} into ${db.where}.`);
  const plan = planImport(dump, await db.readUsers());
  const rows = rowsToWrite(plan);

  for (const r of plan.rejected) console.log(formatRejection(r));
  if (plan.ignoredFields.length) console.log(`fields not imported (no column here): ${plan.ignoredFields.join(", ")}`);
  if (plan.unusable.length) {
    console.log(`imported without a usable password (unusable "!…" or unsupported hasher; login fails until a password reset): pk ${plan.unusable.map((u) => u.id).join(", ")}`);
  }
  if (plan.tooCostly.length) {
    console.log(
      `PBKDF2 hashes of more than ${MAX_PBKDF2_ITERATIONS.toLocaleString("en-US")} iterations, too costly to check at login, imported as unusable ("!" + the hash; these users must reset their password): ${plan.tooCostly.length}, pk ${plan.tooCostly.map((u) => u.id).join(", ")}`,
    );
  }
  if (plan.passwordsKept.length) {
    console.log(`passwords kept (re-hashed on login, changed or reset in the worker since the import): ${plan.passwordsKept.length}`);
  }
  for (const u of plan.updates) console.log(`update pk ${u.user.id}: ${u.changes.join(", ")}`);

  let state = plan;
  if (dryRun || (rows.length === 0 && nextId === undefined)) {
    console.log(`${dryRun ? "would have: " : ""}${formatCounts(plan)}`);
  } else {
    await write(rows);
    // What was planned must now be in place: a second plan over the written rows finds nothing to do.
    state = planImport(dump, await db.readUsers());
    const pending = [...state.inserts, ...state.updates.map((u) => u.user)];
    const newlyRejected = state.rejected.filter((r) => !plan.rejected.some((p) => p.index === r.index));
    console.log(formatCounts(plan));
    if (pending.length || newlyRejected.length) {
      for (const r of newlyRejected) console.log(`not written: ${formatRejection(r)}`);
      for (const u of pending) console.log(`not written: pk ${u.id}`);
      fail("some rows were not written (changed concurrently?); run the import again");
    }
  }

  if (!dryRun) {
    const [s = {}] = await db.all(SEQUENCE_SQL);
    const next = Math.max(Number(s.seq ?? 0), Number(s.max_id ?? 0)) + 1;
    console.log(`users in the database: ${s.users}; next registered id: ${next} (sqlite_sequence ${s.seq ?? "none"}, max(id) ${s.max_id ?? "none"})`);
    if (nextId !== undefined && next < nextId) fail(`the sequence was not raised to --next-id ${nextId}`);
  }
}

/**
 * Writes the rows in batches, each one transaction (locally a D1 batch, remotely one file),
 * so an interruption or a failure leaves whole batches in place and a re-run writes the rest.
 * @param {import("./lib/django-dump.mjs").ImportUser[]} rows
 */
async function write(rows) {
  const progress = createProgress({ total: rows.length, label: "users written" });
  let stopping = false;
  const onSignal = () => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write("\nimport:django: stopping after the current batch (Ctrl-C again to quit at once)\n");
  };
  // Miniflare's exit hook would end the process on the spot; the batch in flight is a
  // transaction either way, but the user is owed a count of what is in place.
  const signals = /** @type {const} */ (["SIGINT", "SIGTERM"]);
  const saved = signals.map((sig) => process.listeners(sig));
  for (const sig of signals) {
    process.removeAllListeners(sig);
    process.on(sig, onSignal);
  }
  let done = 0;
  try {
    for (let i = 0; i < rows.length && !stopping; i += batch) {
      const part = rows.slice(i, i + batch);
      await db.write(upsertStatements(part));
      done += part.length;
      progress.update(done);
    }
    if (!stopping && nextId !== undefined) await db.write(sequenceStatements(nextId));
  } catch (e) {
    progress.finish();
    // Ctrl-C also reaches the local workerd (same process group): the batch in flight can fail
    // before our own SIGINT handler has had its turn.
    await new Promise((r) => setTimeout(r, 200));
    if (!stopping) {
      console.error(`import:django: failed after ${done} of ${rows.length} users were written; those are in place, run the import again to write the rest.`);
      throw e;
    }
  }
  if (stopping) {
    progress.finish();
    fail(`interrupted: ${done} of ${rows.length} users written; run the same command again to write the rest (what is in place counts as unchanged then).`, 130);
  }
  progress.finish();
  signals.forEach((sig, i) => {
    process.off(sig, onSignal);
    for (const listener of saved[i] ?? []) process.on(sig, /** @type {any} */ (listener));
  });
}
