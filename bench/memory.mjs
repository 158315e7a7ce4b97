// `npm run bench:memory`: peak memory of the worker's isolate during concurrent logins, per
// hasher. Runs the deployed bundle (wrangler deploy --dry-run --minify) on workerd through
// Miniflare, as bench:timing does. For each case and repeat, a FRESH workerd (glibc keeps
// freed heap memory resident, so a reused process would hide the next peak): insert the
// users, wait, reset the process's peak RSS (VmHWM, via /proc/<pid>/clear_refs), send C concurrent
// logins (default 8), and report the peak RSS rise over the RSS before, plus V8's own view of
// the isolate (inspector Runtime.getHeapUsage: heap total, and backingStorageSize = memory of
// ArrayBuffers) polled during the logins. scrypt's 128*N*r scratch buffer is malloc'd by
// BoringSSL: it shows in RSS, not in V8's figures (see docs/benchmark.md). The users are
// inserted with hashes made on the host, so no hash has run in workerd before the logins.
//
// Env: MEM_CONCURRENCY (default 8), MEM_REPEATS (default 3), MEM_CASES (";"-separated cases,
// each a ","-list of NAME=value vars over wrangler.toml's; default: the configured hasher,
// bcrypt at BCRYPT_COST, and scrypt at N=2^15 r=8 (the same memory, the other shape)). Linux only.
import { execFileSync } from "node:child_process";
import { createHash, randomBytes, scryptSync } from "node:crypto";
import bcrypt from "bcryptjs";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { childPids } from "./lib/cpu.mjs";
import { buildBundle } from "./lib/worker.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const C = Number(process.env.MEM_CONCURRENCY ?? 8);
const REPEATS = Number(process.env.MEM_REPEATS ?? 3);
const PASSWORD = "violet-Harbor-91";
const CASES = (process.env.MEM_CASES ?? "PASSWORD_HASHER=scrypt;PASSWORD_HASHER=bcrypt;PASSWORD_HASHER=scrypt,SCRYPT_N=32768,SCRYPT_R=8")
  .split(";")
  .map((c) => Object.fromEntries(c.split(",").filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)])));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
/** VmRSS and VmHWM of a process, MiB. */
function status(pid) {
  const s = readFileSync(`/proc/${pid}/status`, "utf8");
  const get = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, "m").exec(s)?.[1] ?? NaN) / 1024;
  return { rss: get("VmRSS"), hwm: get("VmHWM") };
}
const resetPeak = (pid) => execFileSync("sh", ["-c", `echo 5 > /proc/${pid}/clear_refs`]);

async function inspector(port, name) {
  const list = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
  const target = list.find((t) => `${t.title} ${t.url} ${t.id}`.includes(name)) ?? list[0];
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((res, rej) => {
    ws.onopen = res;
    ws.onerror = rej;
  });
  let nextId = 1;
  const pending = new Map();
  ws.onmessage = (e) => {
    const m = JSON.parse(e.data);
    if (m.id && pending.has(m.id)) {
      pending.get(m.id)(m.result ?? null);
      pending.delete(m.id);
    }
  };
  const cdp = (method) =>
    new Promise((res) => {
      const id = nextId++;
      pending.set(id, res);
      ws.send(JSON.stringify({ id, method }));
      setTimeout(() => pending.delete(id) && res(null), 10_000);
    });
  return { cdp, close: () => ws.close() };
}

/** The stored hash the worker would write for PASSWORD, made on the host (Node's OpenSSL scrypt, or bcryptjs). */
function hostHash(vars) {
  if (vars.PASSWORD_HASHER === "bcrypt") {
    const hex = createHash("sha256").update(PASSWORD).digest("hex");
    return `bcrypt_sha256$${bcrypt.hashSync(hex, Number(vars.BCRYPT_COST)).replace(/^\$2a\$/, "$2b$")}`;
  }
  const [N, r, p] = [Number(vars.SCRYPT_N), Number(vars.SCRYPT_R), Number(vars.SCRYPT_P)];
  const salt = randomBytes(16).toString("hex").slice(0, 22);
  const key = scryptSync(PASSWORD, salt, 64, { N, r, p, maxmem: 128 * r * (N + p + 2) });
  return `scrypt$${N}$${salt}$${r}$${p}$${key.toString("base64")}`;
}

const bundle = await buildBundle(ROOT);
try {
  const config = bundle.config;
  const b = { vars: bundle.vars };

  async function measure(vars, concurrency) {
    const inspectorPort = await freePort();
    const worker = await bundle.launch({ extraBindings: { ...vars, MAIL_API_KEY: "" }, inspectorPort });
    let insp = null;
    try {
      const { url, db } = worker;
      const pid = childPids(process.pid, "workerd")[0];
      let ip = 0;
      const post = (path, body) =>
        fetch(url + path, { method: "POST", headers: { "content-type": "application/json", "cf-connecting-ip": `198.51.100.${ip++ % 250}` }, body: JSON.stringify(body) }).then(async (r) => {
          await r.arrayBuffer();
          return r.status;
        });
      // Users inserted with hashes made on the host, so workerd has run no hash before the measurement.
      const emails = Array.from({ length: concurrency }, (_, i) => `mem-${i}-${Date.now()}@example.com`);
      const hash = hostHash({ ...b.vars, ...vars });
      for (const email of emails) {
        await db.prepare("INSERT INTO users (email, name, tc, password, created_at, updated_at) VALUES (?, 'Memory', 1, ?, ?, ?)").bind(email, hash, Date.now(), Date.now()).run();
      }
      // One request (no hash: an access-token-less profile call answers 401) so the isolate is up.
      await fetch(url + "/api/user/profile/").then((r) => r.arrayBuffer());
      insp = await inspector(inspectorPort, config.name).catch(() => null);
      await sleep(300);
      const before = status(pid);
      const heapBefore = insp ? await insp.cdp("Runtime.getHeapUsage") : null;
      resetPeak(pid);
      let maxRss = before.rss;
      let sampling = true;
      const maxHeap = { totalSize: 0, backingStorageSize: 0 };
      const sampler = (async () => {
        while (sampling) {
          maxRss = Math.max(maxRss, status(pid).rss);
          await sleep(2);
        }
      })();
      const poller = (async () => {
        while (sampling && insp) {
          const h = await insp.cdp("Runtime.getHeapUsage");
          if (h) for (const k of Object.keys(maxHeap)) maxHeap[k] = Math.max(maxHeap[k], h[k] ?? 0);
          await sleep(10);
        }
      })();
      const statuses = await Promise.all(emails.map((email) => post("/api/user/login/", { email, password: PASSWORD })));
      sampling = false;
      await sampler;
      await poller;
      if (statuses.some((s) => s !== 200)) throw new Error(`logins answered ${statuses.join(",")}`);
      const after = status(pid);
      const MiB = 2 ** 20;
      return {
        rssBefore: before.rss,
        rise: Math.max(after.hwm, maxRss) - before.rss,
        heapBefore: heapBefore ? heapBefore.totalSize / MiB : null,
        heapMax: insp ? maxHeap.totalSize / MiB : null,
        arrayBuffersMax: insp ? maxHeap.backingStorageSize / MiB : null,
      };
    } finally {
      insp?.close();
      await worker.dispose();
    }
  }

  console.log(`${C} concurrent logins vs 1, ${REPEATS} repeats, fresh workerd per measurement; load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  const rows = [];
  for (const vars of CASES) {
    const all = { ...b.vars, ...vars };
    const label =
      all.PASSWORD_HASHER === "bcrypt"
        ? `bcrypt cost ${all.BCRYPT_COST}`
        : `scrypt N=${all.SCRYPT_N} r=${all.SCRYPT_R} p=${all.SCRYPT_P} (${(128 * all.SCRYPT_N * all.SCRYPT_R) / 2 ** 20} MiB)`;
    const one = [];
    const many = [];
    for (let i = 0; i < REPEATS; i++) {
      one.push(await measure(vars, 1));
      many.push(await measure(vars, C));
    }
    const f = (xs, k) => (xs[0][k] === null ? "-" : median(xs.map((x) => x[k])).toFixed(1));
    const row = { label, rssBefore: f(many, "rssBefore"), rise1: f(one, "rise"), riseC: f(many, "rise"), risesC: many.map((x) => x.rise.toFixed(1)).join(", "), heap: `${f(many, "heapBefore")} → ${f(many, "heapMax")}`, ab: f(many, "arrayBuffersMax") };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
  console.log(`\n| hasher | workerd RSS before (MiB) | peak RSS rise, 1 login | peak RSS rise, ${C} concurrent (median; each) | V8 heap total before → max during ${C} | V8 ArrayBuffers max during ${C} |`);
  console.log("| --- | ---: | ---: | ---: | --- | ---: |");
  for (const r of rows) console.log(`| ${r.label} | ${r.rssBefore} | ${r.rise1} | ${r.riseC} (${r.risesC}) | ${r.heap} | ${r.ab} |`);
} finally {
  bundle.cleanup();
}
