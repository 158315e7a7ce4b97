// The benchmark's scenarios: what each one asks, and against what its figures are read
// (docs/benchmark.md, "Scenarios"). bench/run.mjs runs them; bench/lib/load-child.mjs and
// bench/lib/scenarios/ make the requests.
import { PENDING_SCENARIOS } from "./pending.mjs";

/**
 * The scenarios, in run order. `baseline`: the scenario whose throughput in this same run the
 * ratio is taken against; `target`: the ratio the design aims for (reported, never asserted).
 * `slow`: dominated by bcrypt (no warm-up run, long timeout, queueing shows in latency).
 */
export const SCENARIOS = [
  // The middleware floor, side by side: a bare Hono worker's 404 (bench/hono-worker.mjs) and
  // ours, same path, both on their own workerd socket (no Miniflare entry worker in either).
  { id: "hono404", label: "GET /no-such-route (bare Hono 404)", kind: "get", path: "/no-such-route", expectStatus: 404, direct: "hono-bare", role: "baseline (bare Hono, no middleware)", warm: true },
  { id: "notfound", label: "GET /no-such-route (our 404: the middleware floor)", kind: "get", path: "/no-such-route", expectStatus: 404, direct: "worker", baseline: "hono404", companions: ["floor404"], warm: true },
  // Bare Hono plus only what every answer of ours carries (bench/floor-worker.mjs): how low our 404 could go.
  { id: "floor404", label: "GET /no-such-route (bare Hono + request id, our headers, a log line)", kind: "get", path: "/no-such-route", expectStatus: 404, direct: "hono-floor", baseline: "hono404", role: "least our 404 could cost", warm: true },
  { id: "livez", label: "GET /livez", kind: "get", path: "/livez", role: "baseline (bare: no storage)", warm: true },
  { id: "healthz", label: "GET /healthz", kind: "get", path: "/healthz", role: "baseline (one trivial D1 query)", warm: true },
  { id: "profile", label: "GET /api/user/profile/", kind: "profile", path: "/api/user/profile/", baseline: "healthz", target: 0.7, warm: true },
  // Verify reads storage (revocation), like profile: measured against /healthz.
  { id: "verify", label: "POST /api/token/verify/", kind: "verify", path: "/api/token/verify/", baseline: "healthz", target: 0.8, warm: true },
  { id: "refresh", label: "POST /api/token/refresh/ (rotating)", kind: "refresh", path: "/api/token/refresh/", baseline: "healthz", target: 0.5, warm: false },
  { id: "reset", label: "POST /api/user/send-reset-password-email/", kind: "reset", path: "/api/user/send-reset-password-email/", baseline: "healthz", warm: true },
  { id: "bcrypt", label: "bound: 1 bcrypt compare/request", kind: "get", path: "/__bench/bcrypt", role: "bound for login", warm: false, slow: true },
  { id: "login", label: "POST /api/user/login/", kind: "login", path: "/api/user/login/", baseline: "bcrypt", target: 0.85, warm: false, slow: true },
  { id: "register", label: "POST /api/user/register/", kind: "register", path: "/api/user/register/", baseline: "bcrypt", warm: false, slow: true },
  // Wave 2 sign-in ceremonies (bench/lib/pending.mjs): probed, skipped with a notice while 404.
  ...PENDING_SCENARIOS.map((p) => ({ id: p.id, label: p.label, kind: p.kind, path: p.path, pending: p, warm: true })),
];

/** BENCH_SCENARIOS's ids (a comma list; empty: all), with the baselines and companions their figures need. */
export function selectScenarios(list = process.env.BENCH_SCENARIOS) {
  const wanted = list?.split(",").map((s) => s.trim()).filter(Boolean);
  if (!wanted?.length) return SCENARIOS;
  const ids = new Set(wanted);
  for (const id of wanted) {
    const s = SCENARIOS.find((x) => x.id === id);
    if (!s) throw new Error(`BENCH_SCENARIOS: unknown scenario ${id} (known: ${SCENARIOS.map((x) => x.id).join(", ")})`);
    if (s.baseline) ids.add(s.baseline);
    for (const c of s.companions ?? []) ids.add(c);
  }
  return SCENARIOS.filter((s) => ids.has(s.id));
}
