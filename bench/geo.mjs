// `npm run bench:geo`: round trips to the D1 primary per route, for a user far from it.
// Runs the deployed bundle on workerd behind a D1 stand-in (bench/geo/stand-in.js) that
// answers from the local D1 through the same Sessions API surface, but delays each query by
// where D1 would have sent it: the primary GEO_PRIMARY_MS away (default 150), a replica
// GEO_REPLICA_MS (default 5), replicas lagging GEO_REPLICA_LAG_MS (default 200). For both
// REVOCATION_CONSISTENCY modes it prints, per route, the primary and replica round trips of
// one request and the simulated p50 latency, and writes bench/geo-results.json.
// Targets (reported, not asserted): profile and verify 0 primary round trips in replica
// mode and 1 in strict; refresh and login exactly 1; register at most 2.
//
// Env: GEO_SAMPLES (requests per route, default 15), GEO_PRIMARY_MS, GEO_REPLICA_MS, GEO_REPLICA_LAG_MS.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startWorker } from "./lib/worker.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SAMPLES = Number(process.env.GEO_SAMPLES ?? 15);
const GEO = {
  GEO_PRIMARY_MS: process.env.GEO_PRIMARY_MS ?? "150",
  GEO_REPLICA_MS: process.env.GEO_REPLICA_MS ?? "5",
  GEO_REPLICA_LAG_MS: process.env.GEO_REPLICA_LAG_MS ?? "200",
};
const PASSWORD = "violet-Harbor-91";
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function measure(mode) {
  const worker = await startWorker(ROOT, {
    entry: fileURLToPath(new URL("./geo/stand-in.js", import.meta.url)),
    extraBindings: { ...GEO, REVOCATION_CONSISTENCY: mode, BCRYPT_COST: "4" },
    log: () => {},
  });
  try {
    let ip = 0;
    const call = async (path, body, token) => {
      const started = performance.now();
      const res = await fetch(worker.url + path, {
        method: body ? "POST" : "GET",
        headers: { "content-type": "application/json", "cf-connecting-ip": `198.51.100.${ip++ % 250}`, ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      const json = await res.json();
      if (res.status >= 300) throw new Error(`${mode} ${path}: ${res.status} ${JSON.stringify(json)}`);
      return { json, ms: performance.now() - started, primary: Number(res.headers.get("x-geo-primary")), replica: Number(res.headers.get("x-geo-replica")) };
    };
    const runs = { register: [], login: [], refresh: [], profile: [], verify: [] };
    for (let i = 0; i < SAMPLES; i++) {
      const email = `geo.${mode}.${Date.now()}.${i}@example.com`;
      const reg = await call("/api/user/register/", { email, name: "Geo", password: PASSWORD, password2: PASSWORD, tc: true });
      runs.register.push(reg);
      // A moment later, as a person would: past the replicas' lag.
      await new Promise((r) => setTimeout(r, Number(GEO.GEO_REPLICA_LAG_MS)));
      const login = await call("/api/user/login/", { email, password: PASSWORD });
      runs.login.push(login);
      // Later calls of the signed-in front end (the usual case): the replicas have the session.
      await new Promise((r) => setTimeout(r, Number(GEO.GEO_REPLICA_LAG_MS)));
      runs.profile.push(await call("/api/user/profile/", null, login.json.token.access));
      runs.verify.push(await call("/api/token/verify/", { token: login.json.token.access }));
      runs.refresh.push(await call("/api/token/refresh/", { refresh: login.json.token.refresh }));
    }
    return Object.fromEntries(
      Object.entries(runs).map(([route, xs]) => [
        route,
        { primary_round_trips: median(xs.map((x) => x.primary)), replica_round_trips: median(xs.map((x) => x.replica)), p50_ms: Math.round(median(xs.map((x) => x.ms))) },
      ]),
    );
  } finally {
    await worker.dispose();
  }
}

const results = {};
for (const mode of ["strict", "replica"]) results[mode] = await measure(mode);

const pad = (s, n) => String(s).padEnd(n);
console.log(`\nD1 primary ${GEO.GEO_PRIMARY_MS} ms away, replica ${GEO.GEO_REPLICA_MS} ms, replica lag ${GEO.GEO_REPLICA_LAG_MS} ms; medians of ${SAMPLES} requests per route\n`);
console.log(`${pad("mode", 9)}${pad("route", 10)}${pad("primary RTs", 13)}${pad("replica RTs", 13)}simulated p50 ms`);
const targets = { strict: { profile: 1, verify: 1 }, replica: { profile: 0, verify: 0 }, both: { refresh: 1, login: 1 } };
for (const [mode, routes] of Object.entries(results)) {
  for (const [route, r] of Object.entries(routes)) {
    const want = targets[mode][route] ?? targets.both[route];
    const verdict = route === "register" ? (r.primary_round_trips <= 2 ? "target <= 2 met" : "target <= 2 NOT met") : want === undefined ? "" : r.primary_round_trips === want ? `target ${want} met` : `target ${want} NOT met`;
    console.log(`${pad(mode, 9)}${pad(route, 10)}${pad(r.primary_round_trips, 13)}${pad(r.replica_round_trips, 13)}${pad(r.p50_ms, 8)}${verdict}`);
  }
}
writeFileSync(new URL("./geo-results.json", import.meta.url), JSON.stringify(results, null, 2) + "\n");
console.log("\nwrote bench/geo-results.json");
process.exit(0);
