// `npm run test:import`: an interrupted `npm run import:django` completed by a re-run gives the
// same database as a clean import. Runs the real script against throw-away local D1 state
// directories (never .wrangler/state), so it runs in Node, not in the workerd test pool.
//   1. clean import of a 3,000-user dump into A;
//   2. into B: an import stopped by Ctrl-C (SIGINT to its process group, as a terminal sends
//      it), then one killed outright (SIGKILL: a crash, a lost machine), then a re-run;
//   3. the re-run's counts add up to the dump, and A and B hold the same rows.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openLocal } from "../../scripts/lib/d1.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const USERS = 3000;
const dir = mkdtempSync(join(tmpdir(), "import-resume-"));
const started = performance.now();

/**
 * Runs a script with this Node in its own process group; `until` may signal the group.
 * @param {string[]} argv
 * @param {{ until?: (out: string) => NodeJS.Signals | null }} [options]
 * @returns {Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>}
 */
function run(argv, { until } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { cwd: root, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let sent = false;
    const onData = (/** @type {Buffer} */ b) => {
      out += b;
      const signal = !sent && until?.(out);
      if (signal) {
        sent = true;
        process.kill(-(/** @type {number} */ (child.pid)), signal);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, out }));
  });
}

/** Users written so far, from the importer's plain progress lines. */
const written = (/** @type {string} */ out) => Math.max(0, ...[...out.matchAll(/users written: ([\d,]+)\//g)].map((m) => Number(m[1].replace(/,/g, ""))));

/** @param {string} state */
async function snapshot(state) {
  const db = await openLocal({ root, persistTo: state });
  try {
    return { users: await db.all("SELECT * FROM users ORDER BY id"), seq: await db.all("SELECT * FROM sqlite_sequence WHERE name = 'users'") };
  } finally {
    await db.close();
  }
}

try {
  const dump = join(dir, "dump.json");
  // Few, cheap hashes: this is about rows, not passwords.
  const gen = await run(["bench/make-django-dump.mjs", "--users", String(USERS), "--iterations", "1000", "--hashes", "4", "--out", dump]);
  assert.equal(gen.code, 0, gen.out);

  // Migrations once (an empty dump makes the importer apply them), copied for A and B.
  const template = join(dir, "template");
  const empty = join(dir, "empty.json");
  writeFileSync(empty, "[]");
  const init = await run(["scripts/import-django.mjs", empty, "--persist-to", template]);
  assert.equal(init.code, 0, init.out);
  const a = join(dir, "a");
  const b = join(dir, "b");
  cpSync(template, a, { recursive: true });
  cpSync(template, b, { recursive: true });

  const clean = await run(["scripts/import-django.mjs", dump, "--persist-to", a]);
  assert.equal(clean.code, 0, clean.out);
  assert.match(clean.out, new RegExp(`read ${USERS}, inserted ${USERS}, updated 0, unchanged 0, rejected 0`));

  // Small batches so that there is a "mid-way" to stop at.
  const importB = ["scripts/import-django.mjs", dump, "--persist-to", b, "--batch", "25"];
  const sigint = await run(importB, { until: (out) => (written(out) > 0 ? "SIGINT" : null) });
  assert.equal(sigint.code, 130, `Ctrl-C: exit code 130 expected\n${sigint.out}`);
  const m = /interrupted: (\d+) of (\d+) users written/.exec(sigint.out);
  assert.ok(m, sigint.out);
  const afterInt = Number(m[1]);
  assert.ok(afterInt > 0 && afterInt < USERS, `stopped mid-way, not at ${afterInt}`);

  const killed = await run(importB, { until: (out) => (written(out) > USERS * 0.2 ? "SIGKILL" : null) });
  assert.equal(killed.signal, "SIGKILL", `the second run was to be killed mid-way\n${killed.out}`);

  const rerun = await run(importB);
  assert.equal(rerun.code, 0, rerun.out);
  const counts = /read (\d+), inserted (\d+), updated (\d+), unchanged (\d+), rejected (\d+)/.exec(rerun.out);
  assert.ok(counts, rerun.out);
  const [read, inserted, updated, unchanged, rejected] = counts.slice(1).map(Number);
  assert.equal(read, USERS);
  assert.equal(updated + rejected, 0, rerun.out);
  assert.equal(inserted + unchanged, USERS, "every user is either finished by the re-run or was already in place");
  assert.ok(unchanged >= afterInt, `the rows written before Ctrl-C (${afterInt}) count as unchanged (${unchanged})`);
  assert.ok(inserted > 0, "the re-run had something left to do");

  const [sa, sb] = [await snapshot(a), await snapshot(b)];
  assert.equal(sb.users.length, USERS);
  assert.deepEqual(sb, sa, "interrupted + re-run == clean import");
  console.log(
    `import-resume: ok in ${((performance.now() - started) / 1000).toFixed(1)} s (Ctrl-C after ${afterInt}, killed after ${written(killed.out)} of ${USERS}; the re-run inserted ${inserted}, found ${unchanged} unchanged)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
