// `npm run bench:import -- [--users N] [--dump FILE] [--keep]`
// Times `npm run import:django` as a new user meets it: a synthetic dump (bench/make-django-dump.mjs,
// unless --dump names one), a fresh local D1 state directory, a first run, then a re-run.
// Prints the times (wall clock and CPU: other load on the machine shows as the gap), the rate and the importer's peak RSS (Linux /proc; the workerd process
// that holds the database is not counted). Nothing here touches .wrangler/state.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({
  options: {
    users: { type: "string", default: "100000" },
    dump: { type: "string" },
    keep: { type: "boolean", default: false },
  },
});
const users = Number(values.users);
if (!Number.isSafeInteger(users) || users < 1) {
  console.error("bench:import: --users needs a positive integer");
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), "bench-import-"));
const dump = values.dump ?? join(dir, "dump.json");
const state = join(dir, "state");

/** Peak resident set of a process so far (VmHWM), in MB; null where /proc is not there. */
function peakRss(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** CPU seconds of the waited-for children of this process and theirs (workerd included), from /proc. */
function childCpu() {
  try {
    const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ");
    return (Number(fields[13]) + Number(fields[14])) / 100; // cutime + cstime, in clock ticks (USER_HZ = 100)
  } catch {
    return null;
  }
}

/**
 * Runs a script with this Node, its output passed through, timed.
 * @param {string[]} argv
 */
function run(argv) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const cpu0 = childCpu();
    const child = spawn(process.execPath, argv, { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
    let peak = null;
    // VmHWM only grows; the last reading before exit is within 100 ms of the end.
    const timer = setInterval(() => (peak = peakRss(child.pid) ?? peak), 100);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearInterval(timer);
      const seconds = (performance.now() - start) / 1000;
      const cpu1 = childCpu();
      const cpu = cpu0 === null || cpu1 === null ? null : cpu1 - cpu0;
      if (code !== 0) reject(new Error(`${argv.join(" ")} exited with ${code}`));
      else resolve({ seconds, peak, cpu });
    });
  });
}

try {
  if (!values.dump) {
    console.log(`bench:import: generating ${users} users into ${dump}`);
    await run(["bench/make-django-dump.mjs", "--users", String(users), "--out", dump]);
  }
  const importer = ["scripts/import-django.mjs", dump, "--persist-to", state];
  console.log(`\nbench:import: first run (fresh state ${state})`);
  const first = await run(importer);
  console.log("\nbench:import: re-run");
  const again = await run(importer);
  const mb = (x) => (x === null ? "n/a" : `${Math.round(x)} MB`);
  const cpu = (x) => (x === null ? "" : `, ${x.toFixed(1)} s of CPU`);
  console.log(`
users                ${users}
first run            ${first.seconds.toFixed(1)} s (${Math.round(users / first.seconds)} users/s overall, migrations and checks included${cpu(first.cpu)})
re-run               ${again.seconds.toFixed(1)} s${cpu(again.cpu).replace(", ", " (")}${again.cpu === null ? "" : ")"}
importer peak RSS    ${mb(first.peak)} (first run), ${mb(again.peak)} (re-run)`);
} finally {
  if (values.keep) console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
