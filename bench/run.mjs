// `npm run bench`: the worker as deployed (wrangler deploy --dry-run --minify) on workerd via
// Miniflare's API, no wrangler dev proxy in the way; load from autocannon in a child process.
// Prints a table, writes bench/results.json. Exits 0 whether or not targets are met; only a
// broken harness exits non-zero, unless `--check` is given: then bench/budgets.json is read
// and the run exits 3 when a median passes its budget by more than 10 %. See docs/benchmark.md.
//
// Env: BENCH_DURATION (s per round, default 5), BENCH_ROUNDS (default 5), BENCH_CONNECTIONS (default 32), BENCH_WARMUP (s, default 1),
// BENCH_USERS (seeded accounts, default max(50, connections + 16)), BENCH_SCENARIOS (comma list of
// scenario ids to run; baselines a ratio needs are added), BENCH_PROFILE (a scenario id: take a
// CPU profile of workerd during that scenario and print where its time goes).
import { spawnSync, fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

// wrangler and Miniflare need Node >= 22.12; the `node` devDependency provides it. Plain
// `node bench/run.mjs` on an older Node re-runs itself on that binary.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  const local = join(ROOT, "node_modules/node/bin/node");
  if (!existsSync(local) || process.env.BENCH_REEXEC) {
    console.error(`bench: Node ${process.versions.node} is too old (wrangler needs >= 22.12); run \`npm run bench\`.`);
    process.exit(2);
  }
  const r = spawnSync(local, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: "inherit", env: { ...process.env, BENCH_REEXEC: "1" } });
  process.exit(r.status ?? 1);
}

const { buildWorker, bundleSizes, bundleComposition, bundleCapabilities, buildBcryptWorker, buildBenchWorker } = await import("./lib/build.mjs");
const { PENDING_VARS } = await import("./lib/pending.mjs");
const { SCENARIOS, selectScenarios } = await import("./lib/scenario-list.mjs");
const { compareRounds } = await import("./lib/rounds.mjs");
const { readBudgets, checkBudgets, printBudgetCheck } = await import("./lib/budgets.mjs");
const CHECK = process.argv.includes("--check");
const COLDSTART = CHECK || ["1", "true", "yes"].includes(String(process.env.BENCH_COLDSTART ?? "").toLowerCase());
const { readWranglerConfig, loadMiniflare, bindingsFromConfig, readMigrations } = await import("./lib/config.mjs");
const { startMailServer } = await import("./lib/mail-server.mjs");
const { printTable, fmt, markdownTable } = await import("./lib/report.mjs");
const { snapshot, cpuDelta, childPids, machineCpuSeconds } = await import("./lib/cpu.mjs");

const int = (name, fallback) => {
  const v = process.env[name];
  if (v === undefined || v === "") return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${v}`);
  return n;
};
const DURATION = int("BENCH_DURATION", 5);
// Time-boxed scenarios run in ROUNDS interleaved rounds (every scenario once per round), and
// each ratio is the median of the per-round ratios: a scenario is compared with the baseline
// measured seconds before it, so the machine's drift (a shared VM: baselines moved by ±20%
// from one minute to the next) hits both sides of a ratio alike.
const ROUNDS = Math.round(int("BENCH_ROUNDS", 5));
// BENCH_RATELIMIT=off binds every [[ratelimits]] name to an RPC stub whose limit() always
// passes (the worker refuses to serve without its limiters; Miniflare 5 has no user-facing
// wrapped bindings to keep it in the worker's isolate): a diagnostic that isolates what
// Miniflare's rate-limit simulator (a Durable Object with a SQLite write per limit() call)
// adds over a bare cross-isolate call.
const RATELIMIT = process.env.BENCH_RATELIMIT === "off" ? "off" : "miniflare";
const CONNECTIONS = Math.round(int("BENCH_CONNECTIONS", 32));
const WARMUP = process.env.BENCH_WARMUP === "0" ? 0 : int("BENCH_WARMUP", 1);
const SLOW_ROUNDS = Math.round(int("BENCH_SLOW_ROUNDS", 2));
// Interleaved rounds of the hash-bound trio (bound, login, register), each ratio the median of
// the per-round ratios, as for the time-boxed ones: one shot moved by 15-25 points with other load.
const SLOW_REPEATS = Math.round(int("BENCH_SLOW_REPEATS", 1));
const USERS = Math.round(int("BENCH_USERS", Math.max(50, CONNECTIONS + 16)));
const PROFILE = process.env.BENCH_PROFILE?.trim() || null;
// Default: requests enter through Miniflare's socket (host/port), i.e. Miniflare's entry worker
// routes them to the worker. BENCH_DIRECT=1 gives each worker its own socket on workerd
// (unsafeDirectSockets), as close to production as workerd gets: no entry-worker hop.
// D1 and KV (Miniflare's local simulators: SQLite files) live in RAM (/dev/shm) by default, so
// the VM's disk flushes don't cap write-heavy routes; BENCH_STORAGE=disk keeps Miniflare's
// default temporary directory on disk.
const STORAGE = process.env.BENCH_STORAGE === "disk" || !existsSync("/dev/shm") ? "disk" : "tmpfs";
const DIRECT = ["1", "true", "yes"].includes(String(process.env.BENCH_DIRECT ?? "").toLowerCase());
const PASSWORD = "violet-Harbor-91";
const RUN_TAG = `${Date.now().toString(36)}${randomBytes(2).toString("hex")}`;


function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const startedAt = Date.now();
  const tmp = mkdtempSync(join(os.tmpdir(), "edge-auth-bench-"));
  const storageDir = STORAGE === "tmpfs" ? mkdtempSync("/dev/shm/edge-auth-bench-") : null;
  const notes = [];
  const log = (msg) => console.log(`[bench ${((Date.now() - startedAt) / 1000).toFixed(1).padStart(5)}s] ${msg}`);
  let mf;
  let mail;
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    await mf?.dispose().catch(() => undefined);
    await mail?.close().catch(() => undefined);
    rmSync(tmp, { recursive: true, force: true });
    if (storageDir) rmSync(storageDir, { recursive: true, force: true });
  };
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.once(signal, () => {
      console.error(`bench: ${signal}, stopping workerd and removing temporary files`);
      cleanup().finally(() => process.exit(130));
    });
  }
  try {
    const cpus = os.cpus();
    notes.push(
      `${cpus.length} CPU core(s) (${cpus[0]?.model ?? "unknown"}): workerd (one thread runs the worker's JavaScript), the autocannon child process and the Miniflare host (log parsing, fake mail API) share them, so absolute numbers are lower than on a bigger machine and the load generator steals CPU from the server; compare ratios within one run.`,
    );

    // 0. How busy is the machine before we add anything? BENCH_WAIT_IDLE=<s> waits (up to that
    // long) for other jobs to leave at least 75% of the CPU idle before starting.
    const busyShare = async (ms) => {
      const a = machineCpuSeconds();
      await sleep(ms);
      const b = machineCpuSeconds();
      return a && b ? Math.round(((b.busy - a.busy) / (b.total - a.total)) * 100) / 100 : null;
    };
    let busyBefore = await busyShare(1000);
    const waitIdle = Number(process.env.BENCH_WAIT_IDLE ?? 0) * 1000;
    if (waitIdle > 0 && busyBefore != null && busyBefore > 0.25) {
      log(`machine ${Math.round(busyBefore * 100)}% busy: waiting up to ${waitIdle / 1000} s for it to calm down (BENCH_WAIT_IDLE) ...`);
      const until = Date.now() + waitIdle;
      while (Date.now() < until && busyBefore > 0.25) busyBefore = await busyShare(2000);
    }
    if (busyBefore != null) log(`machine CPU busy before start: ${Math.round(busyBefore * 100)}% (load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")})`);

    // 1. Build exactly what deploys.
    log("building the worker: wrangler deploy --dry-run --minify ...");
    const outdir = join(tmp, "dist");
    const build = buildWorker(ROOT, outdir);
    const sizes = bundleSizes(outdir);
    const composition = bundleComposition(build.metafile, ROOT);
    log(`built in ${build.ms} ms: ${sizes.total.kib} KiB raw / ${sizes.total.gzipKiB} KiB gzip over ${sizes.modules.length} modules`);
    const bcryptOut = join(tmp, "bcrypt-worker.js");
    const bcryptBuild = await buildBcryptWorker(ROOT, bcryptOut);
    const honoOut = join(tmp, "hono-worker.js");
    const honoBuild = await buildBenchWorker(ROOT, join(ROOT, "bench/hono-worker.mjs"), honoOut);
    const floorOut = join(tmp, "floor-worker.js");
    await buildBenchWorker(ROOT, join(ROOT, "bench/floor-worker.mjs"), floorOut);
    const capabilities = bundleCapabilities(build.metafile, ROOT);

    // 2. Config, Miniflare, mail stand-in.
    const config = await readWranglerConfig(ROOT);
    const b = bindingsFromConfig(config);
    // BENCH_VARS="PASSWORD_HASHER=bcrypt,BCRYPT_COST=10": [vars] overridden for this run (compare hashers).
    for (const pair of (process.env.BENCH_VARS ?? "").split(",").map((x) => x.trim()).filter(Boolean)) {
      const eq = pair.indexOf("=");
      if (eq < 1) throw new Error(`BENCH_VARS: expected NAME=value, got ${pair}`);
      b.vars[pair.slice(0, eq)] = pair.slice(eq + 1);
      notes.push(`BENCH_VARS: ${pair.slice(0, eq)} = ${pair.slice(eq + 1)} (instead of wrangler.toml's [vars]).`);
    }
    notes.push(...b.notes.filter((n) => RATELIMIT !== "off" || !n.startsWith("rate limit binding")));
    const { Miniflare, toOptions, version: miniflareVersion, dir: miniflareDir, workerdVersion } = await loadMiniflare(ROOT);
    mail = await startMailServer();
    const cost = Number(b.vars.BCRYPT_COST ?? 10);
    // The bound measures the configured hasher (src/kernel/config.ts: scrypt unless set to bcrypt).
    const hasher = b.vars.PASSWORD_HASHER === "bcrypt" ? "bcrypt" : "scrypt";
    const scryptParams = { N: Number(b.vars.SCRYPT_N ?? 16384), r: Number(b.vars.SCRYPT_R ?? 16), p: Number(b.vars.SCRYPT_P ?? 1) };
    const hasherLabel = hasher === "bcrypt" ? `bcrypt cost ${cost}` : `scrypt N=${scryptParams.N} r=${scryptParams.r} p=${scryptParams.p} (${(128 * scryptParams.N * scryptParams.r) / 2 ** 20} MiB)`;
    let boundHash;
    if (hasher === "bcrypt") {
      const bcrypt = (await import("bcryptjs")).default;
      boundHash = bcrypt.hashSync(PASSWORD, cost);
    } else {
      const { scryptSync } = await import("node:crypto");
      const salt = randomBytes(16).toString("hex").slice(0, 22);
      const key = scryptSync(PASSWORD, salt, 64, { ...scryptParams, maxmem: 128 * scryptParams.r * (scryptParams.N + scryptParams.p + 2) });
      boundHash = `scrypt$${scryptParams.N}$${salt}$${scryptParams.r}$${scryptParams.p}$${key.toString("base64")}`;
    }
    notes.push(`Hasher: ${hasherLabel} (PASSWORD_HASHER ${b.vars.PASSWORD_HASHER ?? "unset: scrypt"}); the bound worker verifies one hash of that kind per request.`);
    for (const s of SCENARIOS) if (s.id === "bcrypt") s.label = `bound: 1 ${hasher} verify/request`;
    const port = await freePort();
    const inspectorPort = PROFILE ? await freePort() : null;
    const logs = { lines: 0, byLevel: {}, errors: [] };
    const bindings = {
      ...PENDING_VARS,
      ...b.vars,
      JWT_SIGNING_KEY: randomBytes(48).toString("base64url"),
      MAIL_API_KEY: `bench-${randomBytes(8).toString("hex")}`,
      MAIL_API_URL: mail.url,
    };
    notes.push(`MAIL_API_URL points at a local fake provider (${mail.url}) answering 200 JSON; MAIL_API_KEY is set, so reset mails take the HTTP provider path.`);
    // The floor's yardsticks (bench/hono-worker.mjs, bench/floor-worker.mjs): each on its own direct socket.
    const yardstick = (name, path, route) => ({
      name,
      modules: [{ type: "ESModule", path }],
      modulesRoot: tmp,
      routes: [route],
      compatibilityDate: config.compatibility_date,
      compatibilityFlags: config.compatibility_flags ?? [],
      unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
    });
    mf = new Miniflare(toOptions({
      host: "127.0.0.1",
      port,
      cf: { country: "NL", colo: "AMS", asn: 64512 },
      logRequests: false,
      telemetry: { enabled: false },
      ...(storageDir ? { resourcePersistencePath: storageDir } : {}),
      handleStructuredLogs(entry) {
        logs.lines++;
        logs.byLevel[entry.level] = (logs.byLevel[entry.level] ?? 0) + 1;
        if ((entry.level === "error" || entry.level === "warn") && logs.errors.length < 10) logs.errors.push(entry.message.slice(0, 600));
      },
      ...(inspectorPort ? { inspectorPort } : {}),
      workers: [
        {
          name: config.name ?? "worker",
          // Miniflare 5 no longer discovers imports through modulesRules, so the rule is applied
          // here: every module wrangler wrote, index.js first, *.txt as Text (like wrangler's
          // default rule), other *.js / *.mjs as ES modules.
          modules: workerModules(outdir, sizes.modules),
          modulesRoot: outdir,
          compatibilityDate: config.compatibility_date,
          compatibilityFlags: config.compatibility_flags ?? [],
          d1Databases: b.d1Databases,
          kvNamespaces: b.kvNamespaces,
          ...(RATELIMIT === "miniflare" && Object.keys(b.ratelimits).length ? { ratelimits: b.ratelimits } : {}),
          ...(RATELIMIT === "off" ? { serviceBindings: Object.fromEntries(Object.keys(b.ratelimits).map((name) => [name, { name: "ratelimit-stub", entrypoint: "Pass" }])) } : {}),
          bindings,
          // Always a direct socket too: the floor scenarios use it whatever BENCH_DIRECT says.
          unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
        },
        {
          name: "bcrypt-bound",
          modules: [{ type: "ESModule", path: bcryptOut }],
          modulesRoot: tmp,
          routes: ["*/__bench/bcrypt"],
          compatibilityDate: config.compatibility_date,
          compatibilityFlags: config.compatibility_flags ?? [],
          bindings: { BENCH_PASSWORD: PASSWORD, BENCH_HASH: boundHash },
          ...(DIRECT ? { unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }] } : {}),
        },
        yardstick("hono-bare", honoOut, "*/__bench/hono/*"),
        yardstick("hono-floor", floorOut, "*/__bench/floor/*"),
        ...(RATELIMIT === "off"
          ? [{
              name: "ratelimit-stub",
              modules: true,
              compatibilityDate: config.compatibility_date,
              script: "import { WorkerEntrypoint } from 'cloudflare:workers'; export class Pass extends WorkerEntrypoint { async limit() { return { success: true }; } } export default { fetch: () => new Response(null, { status: 404 }) };",
            }]
          : []),
      ],
    }));
    const entryUrl = (await mf.ready).toString().replace(/\/$/, "");
    const workerName = config.name ?? "worker";
    const directUrls = {
      worker: (await mf.unsafeGetDirectURL(workerName)).toString().replace(/\/$/, ""),
      "hono-bare": (await mf.unsafeGetDirectURL("hono-bare")).toString().replace(/\/$/, ""),
      "hono-floor": (await mf.unsafeGetDirectURL("hono-floor")).toString().replace(/\/$/, ""),
    };
    const url = DIRECT ? directUrls.worker : entryUrl;
    const boundUrl = DIRECT ? (await mf.unsafeGetDirectURL("bcrypt-bound")).toString().replace(/\/$/, "") : entryUrl;
    log(`workerd ${workerdVersion ?? "?"} via Miniflare ${miniflareVersion}: worker on ${url}${DIRECT ? " (direct socket)" : " (Miniflare entry socket)"}, bound worker on ${boundUrl}`);
    notes.push(
      storageDir
        ? `D1 and KV (Miniflare's SQLite-backed simulators) stored in RAM (${storageDir}, tmpfs): no disk flushes in the numbers; BENCH_STORAGE=disk for Miniflare's default on-disk temporary directory.`
        : "D1 and KV stored in Miniflare's default temporary directory on disk: every committed write waits for the disk.",
    );
    notes.push(
      RATELIMIT === "off"
        ? "BENCH_RATELIMIT=off: every [[ratelimits]] binding was an RPC stub whose limit() always passes, so the worker ran WITHOUT rate limits (a diagnostic: it isolates what Miniflare's simulator adds; not a configuration to deploy)."
        : "Rate limits: Miniflare's simulator, a Durable Object with a SQLite write per limit() call (one more storage round trip on login, register, reset and refresh); BENCH_RATELIMIT=off measures without it.",
    );
    notes.push(
      DIRECT
        ? "BENCH_DIRECT=1: each worker had its own workerd socket (Miniflare unsafeDirectSockets): no Miniflare entry worker in the path."
        : "Requests entered through Miniflare's socket (host/port): Miniflare's entry worker (a second isolate on the same workerd thread) routes each one to the worker, which adds a constant CPU cost per request and flatters the ratios of cheap routes; BENCH_DIRECT=1 removes that hop.",
    );

    // 3. Schema.
    const db = await mf.getD1Database(Object.keys(b.d1Databases)[0] ?? "DB");
    const migrations = readMigrations(ROOT, config);
    for (const m of migrations) for (const stmt of m.statements) await db.prepare(stmt).run();
    log(`applied ${migrations.length} migration(s): ${migrations.map((m) => `${m.file} (${m.statements.length} statements)`).join(", ")}`);

    // 4. Seed accounts through the API.
    const api = async (path, body, headers = {}) => {
      const res = await fetch(url + path, {
        method: body === undefined ? "GET" : "POST",
        headers: { accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      let json = null;
      try {
        json = JSON.parse(text);
      } catch {
        /* kept as text */
      }
      return { status: res.status, json, text };
    };
    const health = await api("/healthz");
    if (health.status !== 200) throw new Error(`/healthz answered ${health.status}: ${health.text}`);
    const bound = await fetch(boundUrl + "/__bench/bcrypt").then(async (r) => ({ status: r.status, text: await r.text() })).then((r) => ({ ...r, json: JSON.parse(r.text) }));
    if (bound.status !== 200 || !bound.json?.ok) throw new Error(`bcrypt bound worker answered ${bound.status}: ${bound.text}`);

    log(`seeding ${USERS} users via POST /api/user/register/ (${hasherLabel}) ...`);
    const users = [];
    const seedStarted = Date.now();
    let nextIndex = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let i = nextIndex++; i < USERS; i = nextIndex++) {
          const email = `seed-${RUN_TAG}-${i}@example.com`;
          const r = await api("/api/user/register/", { email, name: `Seed User ${i}`, password: PASSWORD, password2: PASSWORD, tc: true });
          if (r.status !== 201 || !r.json?.token?.access || !r.json?.token?.refresh) {
            throw new Error(`seeding ${email}: register answered ${r.status}: ${r.text.slice(0, 500)}${logs.errors.length ? `; the worker logged: ${logs.errors.join(" | ")}` : ""}`);
          }
          users[i] = { email, password: PASSWORD, access: r.json.token.access, refresh: r.json.token.refresh };
        }
      }),
    );
    let tokensMintedAt = Date.now();
    log(`seeded ${users.length} users in ${((Date.now() - seedStarted) / 1000).toFixed(1)} s`);

    const accessLifetime = Number(b.vars.ACCESS_TOKEN_LIFETIME ?? 300);
    /** Access tokens stay valid for the whole scenario; long runs log everyone in again. */
    async function freshAccessTokens() {
      const needed = (DURATION + WARMUP + 20) * 1000;
      if (Date.now() - tokensMintedAt + needed < accessLifetime * 1000) return users.map((u) => u.access);
      log("access tokens would expire during the scenario: logging the seeded users in again ...");
      for (const u of users) {
        const r = await api("/api/user/login/", { email: u.email, password: u.password });
        if (r.status !== 200) throw new Error(`re-login ${u.email}: ${r.status} ${r.text.slice(0, 300)}`);
        u.access = r.json.token.access;
      }
      tokensMintedAt = Date.now();
      return users.map((u) => u.access);
    }

    /** Waits until workerd has drained work left over from the last scenario (bcrypt queues). */
    async function quiesce() {
      const until = Date.now() + 10_000;
      let calm = 0;
      while (Date.now() < until && calm < 3) {
        const t = performance.now();
        await fetch(url + "/livez").then((r) => r.arrayBuffer());
        calm = performance.now() - t < 25 ? calm + 1 : 0;
        if (calm < 3) await sleep(50);
      }
    }

    let profiler = null;
    let profile = null;
    const workerdPids = childPids(process.pid, "workerd");
    if (!workerdPids.length) notes.push("could not find the workerd process under /proc: no CPU accounting");
    if (PROFILE) {
      const { connectProfiler } = await import("./lib/profile.mjs");
      if (!SCENARIOS.some((s) => s.id === PROFILE)) throw new Error(`BENCH_PROFILE: unknown scenario ${PROFILE}`);
      profiler = await connectProfiler(mf, config.name ?? "worker", inspectorPort);
      notes.push(`BENCH_PROFILE=${PROFILE}: workerd ran with its inspector on and a V8 sampling profiler attached during that scenario, so that scenario's throughput is lower than without profiling.`);
    }

    // 4b. Wave-2 sign-in scenarios: probed; skipped (with a printed notice, no number) while
    // the route answers 404 or bench/lib/pending.mjs has no request maker for it yet.
    const skipped = {};
    const wantedScenarios = selectScenarios();
    for (const s of wantedScenarios.filter((x) => x.pending)) {
      const p = s.pending;
      const r = await api(p.probe.path, p.probe.body);
      if (r.status === 404) skipped[s.id] = `${p.probe.method} ${p.probe.path} answers 404 (capability not landed or off)`;
      else if (!p.prepare) skipped[s.id] = `${p.probe.method} ${p.probe.path} answers ${r.status}, but bench/lib/pending.mjs has no request maker (prepare) for it yet`;
      else {
        try {
          s.data = await p.prepare({ api, url, users, mail, db, password: PASSWORD });
        } catch (err) {
          skipped[s.id] = `prepare failed: ${err?.message ?? err}`;
        }
      }
      if (skipped[s.id]) log(`SKIPPED ${s.id}: ${skipped[s.id]}; no number is reported for it`);
    }

    // 5. Load.
    const selected = wantedScenarios.filter((s) => !skipped[s.id]);
    const rounds = {};
    let refreshPool = users.map((u) => u.refresh);
    /** Unused refresh tokens for a round: the last round's leftovers, topped up by logins (new sessions). */
    async function refreshTokensForRound() {
      for (let i = 0; refreshPool.length < USERS; i++) {
        const u = users[i % users.length];
        const r = await api("/api/user/login/", { email: u.email, password: u.password });
        if (r.status !== 200) throw new Error(`login for refresh tokens ${u.email}: ${r.status} ${r.text.slice(0, 300)}`);
        refreshPool.push(r.json.token.refresh);
      }
      return refreshPool;
    }
    // Within a round, each baseline runs right before the scenarios compared with it.
    const timed = selected.filter((s) => !s.slow);
    const roundOrder = timed.filter((s) => !s.baseline).flatMap((b) => [b, ...timed.filter((s) => s.baseline === b.id)]);
    const plan = [];
    for (let round = 0; round < ROUNDS; round++) for (const s of roundOrder) plan.push({ s, round });
    for (let round = 0; round < SLOW_REPEATS; round++) for (const s of selected) if (s.slow) plan.push({ s, round });
    for (const { s, round } of plan) {
      await quiesce();
      const spec = {
        url: s.id === "bcrypt" ? boundUrl : s.direct ? directUrls[s.direct] : url,
        kind: s.kind,
        expectStatus: s.expectStatus,
        path: s.path,
        connections: CONNECTIONS,
        duration: DURATION,
        warmup: s.warm ? WARMUP : 0,
        timeout: s.slow ? 120 : 10,
        amount: s.slow ? CONNECTIONS * SLOW_ROUNDS : undefined,
        data: {},
      };
      if (s.kind === "profile" || s.kind === "verify") spec.data.tokens = await freshAccessTokens();
      if (s.kind === "refresh") spec.data.refreshTokens = await refreshTokensForRound();
      if (s.kind === "login") spec.data.users = users.map(({ email, password }) => ({ email, password }));
      if (s.kind === "register") Object.assign(spec.data, { prefix: `load-${RUN_TAG}`, password: PASSWORD });
      if (s.kind === "reset") Object.assign(spec.data, { prefix: RUN_TAG, known: users.map((u) => u.email) });
      if (s.pending) Object.assign(spec.data, s.data);
      if (s.kind === "refresh" && users.length < CONNECTIONS) {
        notes.push(`refresh: only ${users.length} sessions for ${CONNECTIONS} connections; raise BENCH_USERS`);
      }

      const mailBefore = mail.stats.received;
      if (PROFILE === s.id && !profiler) throw new Error("profiler missing");
      const logErrorsBefore = logs.byLevel.error ?? 0;
      log(`${s.id}${s.slow ? (SLOW_REPEATS > 1 ? ` (round ${round + 1}/${SLOW_REPEATS})` : "") : ` (round ${round + 1}/${ROUNDS})`}: ${s.label} -c ${CONNECTIONS} ${spec.amount ? `-a ${spec.amount} (${SLOW_ROUNDS} per connection)` : `-d ${DURATION}s`}${spec.warmup ? ` (+${spec.warmup}s warm-up)` : ""} ...`);
      let cpuStart = null;
      let cpuEnd = null;
      const groups = (pid) => ({ workerd: workerdPids, loadgen: [pid], host: [process.pid] });
      const profiling = profiler && PROFILE === s.id && round === 0;
      const summary = await runLoad(spec, {
        onMeasure: async (pid) => {
          if (profiling) await profiler.start();
          cpuStart = snapshot(groups(pid));
        },
        onDone: (pid) => {
          cpuEnd = snapshot(groups(pid));
        },
      });
      if (profiling) {
        const saveTo = join(os.tmpdir(), `edge-auth-${s.id}.cpuprofile`);
        profile = { scenario: s.id, savedTo: saveTo, ...(await profiler.stop(join(outdir, "index.js.map"), saveTo)) };
      }
      summary.cpu = cpuStart && cpuEnd ? cpuDelta(cpuStart, cpuEnd, summary.requests.total) : null;
      if (s.kind === "reset") {
        await quiesce();
        await sleep(300); // waitUntil mail sends finish after the answers
        summary.mailsReceived = mail.stats.received - mailBefore;
        summary.knownRequestsIncludingWarmup = summary.tally.known + (summary.warmup?.known ?? 0);
      }
      summary.workerErrorLogs = (logs.byLevel.error ?? 0) - logErrorsBefore;
      if (s.kind === "refresh") refreshPool = summary.tally.pool;
      delete summary.tally.pool;
      (rounds[s.id] ??= []).push(summary);
      const c = summary.cpu;
      log(
        `${s.id}: ${fmt(summary.rps, 1)} req/s (${summary.requests.total} in ${summary.elapsed.toFixed(2)} s), p50 ${summary.latency.p50} ms, p99 ${summary.latency.p99} ms, non-2xx ${summary.non2xx}, errors ${summary.errors}, timeouts ${summary.timeouts}` +
          (c ? `; CPU workerd ${c.workerd?.coreShare} core (${c.workerdCpuMsPerRequest ?? "-"} ms/req), load gen ${c.loadgen?.coreShare}, host ${c.host?.coreShare}, other processes ${c.foreign ? Math.round(c.foreign.machineShare * 100) + "% of the machine" : "?"}` : ""),
      );
      if (summary.non2xx || summary.errors || summary.timeouts) {
        for (const sample of summary.tally.samples) log(`${s.id}:   non-2xx sample: ${sample.status} ${sample.body}`);
      }
    }

    // 6. Report.
    const { results, rows, floor, note: floorNote } = compareRounds(selected, rounds);
    if (floorNote) notes.unshift(floorNote);
    for (const [id, why] of Object.entries(skipped)) notes.unshift(`SKIPPED ${id}: ${why}. Not measured; its budget is not checked.`);
    let coldStart = null;
    if (COLDSTART) {
      const { measureColdStart } = await import("./lib/coldstart.mjs");
      log("cold start: fresh workerd per launch, ours and bare Hono alternating ...");
      // The load's workerd stops first: the launches should not share the machine with it.
      await mf.dispose().catch(() => undefined);
      mf = null;
      coldStart = await measureColdStart({ root: ROOT, oursModules: workerModules(outdir, sizes.modules), outdir, honoOut, config, vars: bindings, log });
    }
    const GZIP_TARGET_KIB = 150;
    const sizeRow = { raw: sizes.total, gzipTargetKiB: GZIP_TARGET_KIB, met: sizes.total.gzipKiB <= GZIP_TARGET_KIB };
    if (results.reset) {
      const r = results.reset;
      notes.push(
        `reset: ${r.tally.known} measured requests for seeded addresses, ${r.tally.unknown} for unknown ones; the fake provider received ${r.mailsReceived} mails for ${r.knownRequestsIncludingWarmup} known-address requests sent including warm-up (requests still in flight when the load stopped can add a few).`,
      );
    }
    if (results.refresh) {
      const t = results.refresh.tally;
      notes.push(`refresh: ${t.poolStart} seeded sessions chained through a pool of unused tokens (lowest pool level ${t.poolMin}, starved ${t.starved}, 200s without a successor ${t.missingSuccessor}); every refresh token was sent once.`);
    }
    if (logs.errors.length) notes.push(`workerd logged ${logs.byLevel.error ?? 0} error line(s); first: ${logs.errors[0]}`);

    console.log("");
    const foreign = rows.map((r) => r.foreignCpuShare).filter((v) => v != null);
    if (foreign.length && Math.max(...foreign) > 0.1) {
      notes.unshift(
        `OTHER PROCESSES used up to ${Math.round(Math.max(...foreign) * 100)}% of the machine's CPU during a scenario (column "other CPU"): this run is contaminated by unrelated load; rerun on a quiet machine for numbers you can compare across runs.`,
      );
    }
    printTable({ rows, sizes, composition, capabilities, coldStart, CONNECTIONS, DURATION, ROUNDS, cost, notes, workerdVersion, miniflareVersion, profile });
    let check = null;
    if (CHECK) {
      check = checkBudgets(readBudgets(join(ROOT, "bench/budgets.json")), { rows, sizes, skipped, coldStart });
      printBudgetCheck(check);
    }

    const out = {
      generatedAt: new Date().toISOString(),
      settings: { slowScenarioRequestsPerConnection: SLOW_ROUNDS, slowScenarioRounds: SLOW_REPEATS, durationSeconds: DURATION, rounds: ROUNDS, ratelimit: RATELIMIT, connections: CONNECTIONS, warmupSeconds: WARMUP, seededUsers: USERS, bcryptCost: cost, hasher: hasherLabel, pipelining: 1, path: DIRECT ? "direct workerd sockets" : "Miniflare entry socket", storage: STORAGE },
      machine: { busyBeforeStart: busyBefore, loadAverageAtStart: os.loadavg(), cpus: cpus.length, cpuModel: cpus[0]?.model, totalMemMiB: Math.round(os.totalmem() / 2 ** 20), platform: `${os.platform()} ${os.release()}`, node: process.version },
      tools: { miniflare: miniflareVersion, miniflareDir, workerd: workerdVersion, wrangler: JSON.parse(readFileSync(join(ROOT, "node_modules/wrangler/package.json"), "utf8")).version, autocannon: "9.0.0", esbuildForBound: bcryptBuild.esbuild },
      build: { command: build.command, ms: build.ms, wranglerSummary: build.wranglerSummary, sizes, gzipTargetKiB: GZIP_TARGET_KIB, gzipTargetMet: sizeRow.met, composition, capabilities, boundWorkerBytes: bcryptBuild.bytes, honoWorkerBytes: honoBuild.bytes },
      scenarios: rows,
      skipped,
      floor,
      coldStart,
      budgetCheck: check,
      markdownTable: markdownTable(rows),
      raw: results,
      workerLogs: { lines: logs.lines, byLevel: logs.byLevel, firstErrors: logs.errors },
      profile,
      mail: mail.stats,
      notes,
      totalSeconds: Math.round((Date.now() - startedAt) / 100) / 10,
    };
    writeFileSync(join(ROOT, "bench/results.json"), JSON.stringify(out, null, 2) + "\n");
    log(`wrote bench/results.json (total ${out.totalSeconds} s)`);
    if (profiler) await profiler.close();
    return check && !check.ok ? 3 : 0;
  } finally {
    await cleanup();
  }
}


const MODULE_RULES = [
  { type: "Text", test: /\.txt$/ },
  { type: "Data", test: /\.bin$/ },
  { type: "CompiledWasm", test: /\.wasm$/ },
  { type: "ESModule", test: /\.m?js$/ },
];

/** The outdir's modules as Miniflare module definitions, the entry (index.js) first. */
function workerModules(outdir, modules) {
  const list = modules.map((m) => {
    const rule = MODULE_RULES.find((r) => r.test.test(m.file));
    if (!rule) throw new Error(`no module rule for ${m.file}`);
    return { type: rule.type, path: join(outdir, m.file) };
  });
  return list.sort((a, b) => Number(b.path.endsWith("/index.js")) - Number(a.path.endsWith("/index.js")));
}

/** One scenario in a fresh child process, so the load never shares this event loop. */
function runLoad(spec, hooks = {}) {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL("./lib/load-child.mjs", import.meta.url)), [], {
      execPath: process.execPath,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      serialization: "advanced",
    });
    let done = false;
    let pending = Promise.resolve();
    child.on("message", (msg) => {
      if (msg.phase === "measure") {
        pending = Promise.resolve(hooks.onMeasure?.(child.pid));
        return;
      }
      if (msg.phase === "done") {
        hooks.onDone?.(child.pid);
        return;
      }
      done = true;
      pending.then(() => (msg.ok ? resolve(msg.summary) : reject(new Error(`load generator failed: ${msg.error}`))), reject);
    });
    child.once("error", reject);
    child.once("exit", (code) => {
      if (!done) reject(new Error(`load generator exited with ${code} before reporting`));
    });
    child.send(spec);
  });
}

main().then(
  (code) => process.exit(code ?? 0),
  (err) => {
    console.error(`bench: harness failure: ${err?.stack ?? err}`);
    process.exit(1);
  },
);
