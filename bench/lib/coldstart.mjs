// Cold start: a fresh workerd (a fresh isolate) per launch, ours and the bare Hono worker
// alternating, each launch measured from `new Miniflare()` to its first answer. workerd
// compiles and evaluates every worker's modules before it listens, so the script's startup
// is in "ready"; what the first request still builds lazily (Hono's router, config parsing,
// memoised keys) is in the first answer's latency over a warm one. The CPU figures (workerd's
// own, from /proc) are the ones to trust on a busy machine; ours minus bare Hono's is the cost
// of our script.
import { bindingsFromConfig, loadMiniflare } from "./config.mjs";
import { childPids, processCpuSeconds } from "./cpu.mjs";

const median = (v) => {
  const s = v.filter((x) => x != null).sort((a, b) => a - b);
  if (!s.length) return null;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const r1 = (n) => (n == null ? null : Math.round(n * 10) / 10);

/**
 * `oursModules`: the deployed bundle's modules (entry first); `honoOut`: the bare Hono build.
 * `launches` per worker (BENCH_COLD_LAUNCHES, default 5).
 */
export async function measureColdStart({ root, oursModules, outdir, honoOut, config, vars, log = () => {}, launches = Number(process.env.BENCH_COLD_LAUNCHES ?? 5) }) {
  const { Miniflare, toOptions } = await loadMiniflare(root);
  const b = bindingsFromConfig(config);
  const common = { compatibilityDate: config.compatibility_date, compatibilityFlags: config.compatibility_flags ?? [], unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }] };
  const kinds = {
    ours: {
      path: "/livez",
      worker: { name: "ours", modules: oursModules, modulesRoot: outdir, d1Databases: b.d1Databases, kvNamespaces: b.kvNamespaces, ratelimits: b.ratelimits, bindings: vars, ...common },
    },
    hono: {
      path: "/__bench/hono/livez",
      // The same bindings, unused: Miniflare starts a simulator service per D1/KV/rate-limit
      // binding, and that startup must be on both sides of the difference, not counted as ours.
      worker: { name: "hono", modules: [{ type: "ESModule", path: honoOut }], modulesRoot: honoOut.replace(/\/[^/]+$/, ""), d1Databases: b.d1Databases, kvNamespaces: b.kvNamespaces, ratelimits: b.ratelimits, bindings: vars, ...common },
    },
  };
  const samples = { ours: [], hono: [] };
  for (let i = 0; i < launches; i++) {
    // Alternate which goes first, so drift on the machine hits both alike.
    for (const kind of i % 2 ? ["hono", "ours"] : ["ours", "hono"]) {
      const before = new Set(childPids(process.pid, "workerd"));
      const t0 = performance.now();
      const mf = new Miniflare(toOptions({ host: "127.0.0.1", port: 0, handleStructuredLogs() {}, workers: [kinds[kind].worker] }));
      try {
        await mf.ready;
        const tReady = performance.now();
        const pid = childPids(process.pid, "workerd").find((p) => !before.has(p));
        const cpuReady = pid ? processCpuSeconds(pid) : null;
        const base = (await mf.unsafeGetDirectURL(kinds[kind].worker.name)).toString().replace(/\/$/, "");
        const t1 = performance.now();
        const first = await fetch(base + kinds[kind].path);
        await first.arrayBuffer();
        const tFirst = performance.now();
        const cpuFirst = pid ? processCpuSeconds(pid) : null;
        if (first.status !== 200) throw new Error(`cold start ${kind}: first answer ${first.status}`);
        const warm = [];
        for (let k = 0; k < 5; k++) {
          const t = performance.now();
          await (await fetch(base + kinds[kind].path)).arrayBuffer();
          warm.push(performance.now() - t);
        }
        samples[kind].push({
          readyMs: tReady - t0,
          firstAnswerMs: tFirst - t1,
          warmAnswerMs: median(warm),
          cpuAtReadyMs: cpuReady == null ? null : cpuReady * 1000,
          cpuFirstAnswerMs: cpuReady == null || cpuFirst == null ? null : (cpuFirst - cpuReady) * 1000,
        });
      } finally {
        await mf.dispose().catch(() => {});
      }
    }
    log(`cold start: launch ${i + 1}/${launches} of each done`);
  }
  const sum = (list) => ({
    launches: list.length,
    readyMs: r1(median(list.map((x) => x.readyMs))),
    firstAnswerMs: r1(median(list.map((x) => x.firstAnswerMs))),
    warmAnswerMs: r1(median(list.map((x) => x.warmAnswerMs))),
    cpuAtReadyMs: r1(median(list.map((x) => x.cpuAtReadyMs))),
    cpuFirstAnswerMs: r1(median(list.map((x) => x.cpuFirstAnswerMs))),
  });
  const ours = sum(samples.ours);
  const hono = sum(samples.hono);
  const diff = (a, c) => (a == null || c == null ? null : r1(a - c));
  return {
    ours,
    hono,
    summary: {
      // workerd's CPU from spawn to listening (modules compiled and evaluated), ours minus bare Hono's.
      startupCpuOverBareMs: diff(ours.cpuAtReadyMs, hono.cpuAtReadyMs),
      startupWallOverBareMs: diff(ours.readyMs, hono.readyMs),
      firstAnswerOverWarmMs: diff(ours.firstAnswerMs, ours.warmAnswerMs),
      firstAnswerCpuMs: ours.cpuFirstAnswerMs,
    },
    raw: samples,
  };
}
