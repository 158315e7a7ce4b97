// BENCH_PROFILE=<scenario>: a V8 CPU profile of the worker's isolate (workerd's inspector,
// Chrome DevTools Protocol over WebSocket) during that scenario, attributed back to source
// files and npm packages through wrangler's source map. Shows where a request's CPU goes.
import { readFileSync, writeFileSync } from "node:fs";

/** Connects to workerd's inspector target of the user worker (Miniflare names it core:user:<name>). */
export async function connectProfiler(mf, workerName, inspectorPort) {
  await mf.ready;
  const list = await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json();
  const target = list.find((t) => t.id === `core:user:${workerName}`) ?? list.find((t) => t.id.endsWith(`:${workerName}`));
  if (!target) throw new Error(`inspector target for ${workerName} not found among ${list.map((t) => t.id).join(", ")}`);
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve, { once: true });
    ws.addEventListener("error", () => reject(new Error("inspector websocket failed")), { once: true });
  });
  let id = 0;
  const waiting = new Map();
  ws.addEventListener("message", (ev) => {
    const msg = JSON.parse(typeof ev.data === "string" ? ev.data : Buffer.from(ev.data).toString("utf8"));
    if (msg.id && waiting.has(msg.id)) {
      const { resolve, reject } = waiting.get(msg.id);
      waiting.delete(msg.id);
      if (msg.error) reject(new Error(`${msg.error.message}`));
      else resolve(msg.result);
    }
  });
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const n = ++id;
      waiting.set(n, { resolve, reject });
      ws.send(JSON.stringify({ id: n, method, params }));
    });
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 200 });
  return {
    target: target.id,
    start: () => send("Profiler.start"),
    async stop(sourceMapPath, saveTo) {
      const { profile } = await send("Profiler.stop");
      if (saveTo) writeFileSync(saveTo, JSON.stringify(profile));
      return summarizeProfile(profile, sourceMapPath);
    },
    close: () => ws.close(),
  };
}

// --- source map (v3) lookup, enough for attribution -----------------------------------

const B64 = Object.fromEntries([..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"].map((c, i) => [c, i]));

function decodeMappings(mappings) {
  const lines = [];
  let src = 0, srcLine = 0, srcCol = 0, name = 0;
  for (const lineText of mappings.split(";")) {
    const segs = [];
    let col = 0;
    if (lineText) {
      for (const seg of lineText.split(",")) {
        const vals = [];
        let value = 0, shift = 0;
        for (const ch of seg) {
          const digit = B64[ch];
          value += (digit & 31) << shift;
          if (digit & 32) shift += 5;
          else {
            vals.push(value & 1 ? -(value >>> 1) : value >>> 1);
            value = 0;
            shift = 0;
          }
        }
        col += vals[0];
        if (vals.length >= 4) {
          src += vals[1];
          srcLine += vals[2];
          srcCol += vals[3];
          if (vals.length >= 5) name += vals[4];
          segs.push([col, src, srcLine, srcCol, vals.length >= 5 ? name : -1]);
        }
      }
    }
    lines.push(segs);
  }
  return lines;
}

function loadSourceMap(path) {
  try {
    const map = JSON.parse(readFileSync(path, "utf8"));
    return { sources: map.sources, names: map.names ?? [], lines: decodeMappings(map.mappings) };
  } catch {
    return null;
  }
}

function lookup(map, line, col) {
  const segs = map?.lines[line];
  if (!segs?.length) return null;
  let lo = 0, hi = segs.length - 1, best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (segs[mid][0] <= col) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (best < 0) return null;
  const [, src, srcLine, srcCol, name] = segs[best];
  return { source: map.sources[src], line: srcLine + 1, column: srcCol, name: name >= 0 ? map.names[name] : null };
}

function packageOf(source) {
  if (!source) return "(unknown)";
  // drizzle-orm's published source maps point at ../src/*.ts, which resolves to node_modules/src/.
  if (/node_modules\/src\//.test(source)) return "drizzle-orm";
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source);
  if (m) return m[1];
  const s = /(?:^|\/)(src\/.*)$/.exec(source);
  return s ? s[1].replace(/^src\/([^/]+)\/.*$/, "src/$1/") : source;
}

/** Self time by package/source folder and the hottest functions, from a CDP profile. */
export function summarizeProfile(profile, sourceMapPath) {
  const map = loadSourceMap(sourceMapPath);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = deltas[i + 1] ?? deltas[i] ?? 0;
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt);
  }
  const byPackage = new Map();
  const byFunction = new Map();
  let total = 0;
  let idle = 0;
  for (const [nodeId, us] of self) {
    const node = byId.get(nodeId);
    const f = node.callFrame;
    if (f.functionName === "(idle)") {
      idle += us;
      continue;
    }
    total += us;
    let pkg;
    let fn;
    if (!f.url || f.url === "") {
      pkg = f.functionName.startsWith("(") ? f.functionName : "(native / runtime)";
      fn = f.functionName || "(anonymous native)";
    } else if (/index\.js$/.test(f.url) && map) {
      const orig = lookup(map, f.lineNumber, f.columnNumber);
      pkg = packageOf(orig?.source ?? null);
      const where = orig?.source ? `${orig.source.replace(/^.*?(node_modules\/|\/src\/)/, "$1").replace(/^\/src\//, "src/").replace(/^node_modules\/src\//, "node_modules/drizzle-orm/src/")}:${orig.line}` : "";
      fn = `${orig?.name ?? (f.functionName || "(anonymous)")} ${where}`.trim();
    } else {
      pkg = `(other script: ${f.url})`;
      fn = `${f.functionName || "(anonymous)"} ${f.url}`;
    }
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  }
  // Inclusive time: each sample counts once for every distinct function on its stack, so a
  // middleware shows what it and everything it awaits synchronously cost.
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const nameOf = new Map();
  const fnName = (node) => {
    let name = nameOf.get(node.id);
    if (name !== undefined) return name;
    const f = node.callFrame;
    if (/index\.js$/.test(f.url) && map) {
      const orig = lookup(map, f.lineNumber, f.columnNumber);
      const where = orig?.source ? `${orig.source.replace(/^.*?(node_modules\/|\/src\/)/, "$1").replace(/^\/src\//, "src/")}:${orig.line}` : "";
      name = `${orig?.name ?? (f.functionName || "(anonymous)")} ${where}`.trim();
    } else name = `${f.functionName || "(anonymous)"} ${f.url || ""}`.trim();
    nameOf.set(node.id, name);
    return name;
  };
  const inclusive = new Map();
  for (const [nodeId, us] of self) {
    if (byId.get(nodeId).callFrame.functionName === "(idle)") continue;
    const seen = new Set();
    for (let id = nodeId; id !== undefined; id = parent.get(id)) {
      const node = byId.get(id);
      if (node.callFrame.functionName === "(root)") break;
      const name = fnName(node);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + us);
    }
  }
  const top = (m, n) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10, share: Math.round((us / total) * 1000) / 10 }));
  return {
    sampledMs: Math.round(total / 1000),
    idleMs: Math.round(idle / 1000),
    sourceMap: Boolean(map),
    byPackage: top(byPackage, 15),
    topFunctions: top(byFunction, 20),
    topInclusive: top(inclusive, 30),
  };
}
