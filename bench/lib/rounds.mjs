// From rounds to figures: a scenario's rounds merged into one summary, and each figure read
// against the baseline measured in the same round (docs/benchmark.md, "How a run works").

const median = (values) => {
  if (!values.length) return null;
  const v = [...values].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};

// A median of two rounds is their mean: 0.0815, not 0.08149999999999999.
const round4 = (v) => (v == null ? v : Math.round(v * 1e4) / 1e4);

/** One scenario's rounds as one summary: medians of rates, latencies and CPU; sums of counts. */
export function mergeRounds(list) {
  if (list.length === 1) return list[0];
  const sum = (f) => list.reduce((a, x) => a + (f(x) ?? 0), 0);
  const med = (f) => median(list.map(f).filter((v) => v != null));
  const tally = { ...list[0].tally };
  for (const k of ["starved", "missingSuccessor", "known", "unknown"]) tally[k] = sum((x) => x.tally[k]);
  if (tally.poolMin != null) tally.poolMin = Math.min(...list.map((x) => x.tally.poolMin));
  tally.samples = list.flatMap((x) => x.tally.samples).slice(0, 10);
  const cpu = list[0].cpu
    ? {
        workerdCpuMsPerRequest: round4(med((x) => x.cpu?.workerdCpuMsPerRequest)),
        foreign: { machineShare: Math.max(...list.map((x) => x.cpu?.foreign?.machineShare ?? 0)) },
      }
    : null;
  return {
    rounds: list,
    rps: med((x) => x.rps),
    elapsed: sum((x) => x.elapsed),
    requests: { total: sum((x) => x.requests.total) },
    latency: { p50: med((x) => x.latency.p50), p99: med((x) => x.latency.p99) },
    non2xx: sum((x) => x.non2xx),
    errors: sum((x) => x.errors),
    timeouts: sum((x) => x.timeouts),
    workerErrorLogs: sum((x) => x.workerErrorLogs),
    mailsReceived: list[0].mailsReceived === undefined ? undefined : sum((x) => x.mailsReceived),
    knownRequestsIncludingWarmup: list[0].knownRequestsIncludingWarmup === undefined ? undefined : sum((x) => x.knownRequestsIncludingWarmup),
    cpu,
    tally,
  };
}

/**
 * Every scenario's rounds merged, its row (throughput and CPU against its baseline, round by
 * round, medians), and the floor as issue 27 states it: our 404's CPU over bare Hono's.
 */
export function compareRounds(selected, rounds) {
  const results = Object.fromEntries(Object.entries(rounds).map(([id, list]) => [id, mergeRounds(list)]));
  const rows = selected.map((s) => {
    const r = results[s.id];
    const mine = rounds[s.id];
    const base = s.baseline ? rounds[s.baseline] : null;
    // Round i of a scenario against round i of its baseline (bcrypt-bound rows: one round each).
    const pair = (f) => (base ? median(mine.map((m, i) => f(m, base[Math.min(i, base.length - 1)])).filter((v) => v != null)) : null);
    const ratio = pair((m, b) => (b.rps > 0 ? m.rps / b.rps : null));
    const cpuRatio = pair((m, b) => {
      const bc = b.cpu?.workerdCpuMsPerRequest;
      const mc = m.cpu?.workerdCpuMsPerRequest;
      return bc && mc ? bc / mc : null;
    });
    return {
      id: s.id,
      label: s.label,
      role: s.role ?? null,
      baseline: s.baseline ?? null,
      target: s.target ?? null,
      rounds: mine.length,
      rps: r.rps,
      roundRps: mine.map((m) => m.rps),
      roundRatios: base ? mine.map((m, i) => m.rps / base[Math.min(i, base.length - 1)].rps) : null,
      seconds: r.elapsed,
      total: r.requests.total,
      p50: r.latency.p50,
      p99: r.latency.p99,
      non2xx: r.non2xx,
      errors: r.errors + r.timeouts,
      ratio,
      met: s.target == null || ratio == null ? null : ratio >= s.target,
      workerdCpuMsPerRequest: r.cpu?.workerdCpuMsPerRequest ?? null,
      // The same comparison made on workerd CPU per request instead of throughput: less
      // sensitive to other load on the machine (throughput ratio ~ this when workerd is the bottleneck).
      cpuRatio,
      foreignCpuShare: r.cpu?.foreign?.machineShare ?? null,
    };
  });
  // The floor, as the issue states it: our 404's CPU over bare Hono's, per round, median.
  let floor = null;
  let note = null;
  const perRound = (id) =>
    rounds[id].map((m, i) => {
      const h = rounds.hono404[Math.min(i, rounds.hono404.length - 1)].cpu?.workerdCpuMsPerRequest;
      const o = m.cpu?.workerdCpuMsPerRequest;
      return h && o ? o / h : null;
    }).filter((v) => v != null);
  if (rounds.notfound && rounds.hono404) {
    const per = perRound("notfound");
    const least = rounds.floor404 ? perRound("floor404") : [];
    floor = {
      oursCpuMsPerRequest: results.notfound.cpu?.workerdCpuMsPerRequest ?? null,
      honoCpuMsPerRequest: results.hono404.cpu?.workerdCpuMsPerRequest ?? null,
      roundRatios: per.map((v) => Math.round(v * 100) / 100),
      ratio: per.length ? Math.round(median(per) * 100) / 100 : null,
      essentialsCpuMsPerRequest: results.floor404?.cpu?.workerdCpuMsPerRequest ?? null,
      essentialsRatio: least.length ? Math.round(median(least) * 100) / 100 : null,
    };
    note =
      `Middleware floor: our 404 ${floor.oursCpuMsPerRequest} ms CPU/req vs bare Hono's ${floor.honoCpuMsPerRequest}: ${floor.ratio}x (median of per-round ratios ${floor.roundRatios.join(", ")}; issue 27 asks <= 1.6x)` +
        (floor.essentialsRatio != null ? `; bare Hono with only a request id, our eight headers and one log line: ${floor.essentialsCpuMsPerRequest} ms, ${floor.essentialsRatio}x, the least our 404 could cost.` : ".");
  }
  return { results, rows, floor, note };
}
