// The printed summary: one table of scenarios, bundle sizes against the target, notes.

export const fmt = (n, digits = 0) =>
  n == null || Number.isNaN(n) ? "-" : Number(n).toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

const pct = (r) => (r == null ? "-" : `${(r * 100).toFixed(1)}%`);

function table(headers, rows, align) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (align[i] === "r" ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join("  ");
  return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** Markdown version of the scenario table (docs/benchmark.md uses it). */
export function markdownTable(rows) {
  const head =
    "| scenario | req/s | p50 ms | p99 ms | non-2xx | errors | vs baseline | target | met | workerd CPU ms/req | ratio by CPU | other CPU |\n| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- | ---: | ---: | ---: |";
  const body = rows.map(
    (r) =>
      `| ${r.label} | ${fmt(r.rps, r.rps < 100 ? 1 : 0)} | ${r.p50} | ${r.p99} | ${r.non2xx} | ${r.errors} | ${r.ratio == null ? r.role ?? "-" : `${pct(r.ratio)} of ${r.baseline}`} | ${r.target == null ? "-" : `≥ ${pct(r.target)}`} | ${r.met == null ? "-" : r.met ? "yes" : "**no**"} | ${r.workerdCpuMsPerRequest == null ? "-" : fmt(r.workerdCpuMsPerRequest, 2)} | ${pct(r.cpuRatio)} | ${r.foreignCpuShare == null ? "-" : `${Math.round(r.foreignCpuShare * 100)}%`} |`,
  );
  return [head, ...body].join("\n");
}

export function printTable({ rows, sizes, composition, capabilities, coldStart, CONNECTIONS, DURATION, ROUNDS, cost, notes, workerdVersion, miniflareVersion, profile }) {
  console.log(`Results: autocannon -c ${CONNECTIONS}, ${ROUNDS} interleaved rounds of -d ${DURATION}s per time-boxed scenario, pipelining 1, bcrypt cost ${cost}, workerd ${workerdVersion} (Miniflare ${miniflareVersion})`);
  console.log(
    "req/s, p50, p99, workerd CPU: medians of the rounds. vs baseline: median of the per-round ratios (round i of a scenario against round i of its baseline, measured seconds apart). req/s: completed answers / elapsed s (bcrypt-bound rows: one round of a fixed number of requests per connection, see docs). workerd CPU ms/req: CPU of the workerd process (all threads) per answer. ratio by CPU: baseline's CPU ms/req / this row's, per round, median (the ratio again, less sensitive to other load). other CPU: highest share of the machine used by processes outside the benchmark in any round.\n",
  );
  console.log(
    table(
      ["scenario", "req/s", "p50 ms", "p99 ms", "non-2xx", "errors", "vs baseline", "target", "met", "workerd CPU ms/req", "ratio by CPU", "other CPU"],
      rows.map((r) => [
        r.label,
        fmt(r.rps, r.rps < 100 ? 1 : 0),
        r.p50,
        r.p99,
        r.non2xx,
        r.errors,
        r.ratio == null ? r.role ?? "-" : `${pct(r.ratio)} of ${r.baseline}`,
        r.target == null ? "-" : `>= ${pct(r.target)}`,
        r.met == null ? "-" : r.met ? "yes" : "NO",
        r.workerdCpuMsPerRequest == null ? "-" : fmt(r.workerdCpuMsPerRequest, 2),
        pct(r.cpuRatio),
        r.foreignCpuShare == null ? "-" : `${Math.round(r.foreignCpuShare * 100)}%`,
      ]),
      ["l", "r", "r", "r", "r", "r", "l", "r", "l", "r", "r", "r"],
    ),
  );
  const spread = rows.filter((r) => r.roundRatios && r.roundRatios.length > 1);
  if (spread.length) {
    console.log("");
    console.log("Per-round ratios (the table shows their median):");
    for (const r of spread) console.log(`  ${r.label}: ${r.roundRatios.map((v) => pct(v)).join(", ")} of ${r.baseline}`);
  }
  console.log("");
  console.log("Bundle (wrangler deploy --dry-run --minify; gzip = zlib level 9):");
  console.log(
    table(
      ["module", "raw KiB", "gzip KiB", "kind"],
      [
        ...sizes.modules.map((m) => [m.file, fmt(m.kib, 1), fmt(m.gzipKiB, 1), m.kind]),
        ["total (all modules)", fmt(sizes.total.kib, 1), fmt(sizes.total.gzipKiB, 1), `target <= 150 KiB gzip: ${sizes.total.gzipKiB <= 150 ? "yes" : "NO"}`],
        // Only worth a line when data modules (Text, Data) sit next to the code.
        ...(sizes.modules.length > 1
          ? [["code only (JS modules)", fmt(sizes.codeOnly.kib, 1), fmt(sizes.codeOnly.gzipKiB, 1), `${sizes.codeOnly.gzipKiB <= 150 ? "under" : "over"} 150 KiB gzip without the data modules`]]
          : []),
      ],
      ["l", "r", "r", "l"],
    ),
  );
  if (composition?.length) {
    console.log("\nMinified index.js by package (esbuild metafile, bytes before gzip):");
    console.log(
      table(
        ["package", "KiB", "share"],
        composition.slice(0, 12).map((c) => [c.name, fmt(c.kib, 1), `${c.share}%`]),
        ["l", "r", "r"],
      ),
    );
  }
  if (capabilities?.length) {
    console.log("\nMinified project code by capability (esbuild metafile, bytes before gzip):");
    console.log(table(["src/", "KiB", "share of src"], capabilities.map((c) => [c.name, fmt(c.kib, 1), `${c.share}%`]), ["l", "r", "r"]));
  }
  if (coldStart) {
    const o = coldStart.ours;
    const h = coldStart.hono;
    console.log(`\nCold start (a fresh workerd per launch, ${o.launches} launches each, alternating; medians):`);
    console.log(
      table(
        ["worker", "spawn to ready ms", "workerd CPU to ready ms", "first answer ms", "first answer CPU ms", "warm answer ms"],
        [
          ["ours (GET /livez)", fmt(o.readyMs, 1), fmt(o.cpuAtReadyMs, 1), fmt(o.firstAnswerMs, 1), fmt(o.cpuFirstAnswerMs, 1), fmt(o.warmAnswerMs, 1)],
          ["bare Hono", fmt(h.readyMs, 1), fmt(h.cpuAtReadyMs, 1), fmt(h.firstAnswerMs, 1), fmt(h.cpuFirstAnswerMs, 1), fmt(h.warmAnswerMs, 1)],
        ],
        ["l", "r", "r", "r", "r", "r"],
      ),
    );
    const s = coldStart.summary;
    console.log(`Our script's startup over bare Hono: ${fmt(s.startupCpuOverBareMs, 1)} ms of workerd CPU (${fmt(s.startupWallOverBareMs, 1)} ms wall); our first answer is ${fmt(s.firstAnswerOverWarmMs, 1)} ms slower than a warm one.`);
  }
  if (profile) {
    console.log(`\nCPU profile of the worker isolate during "${profile.scenario}" (${profile.sampledMs} ms sampled, ${profile.idleMs} ms idle; raw: ${profile.savedTo}):`);
    console.log(table(["self time by package / source folder", "ms", "share"], profile.byPackage.map((p) => [p.name, fmt(p.ms, 1), `${p.share}%`]), ["l", "r", "r"]));
    console.log("");
    console.log(table(["hottest functions (self time)", "ms", "share"], profile.topFunctions.slice(0, 15).map((p) => [p.name.slice(0, 100), fmt(p.ms, 1), `${p.share}%`]), ["l", "r", "r"]));
    if (profile.topInclusive?.length) {
      console.log("");
      console.log(table(["functions by inclusive time (on the stack)", "ms", "share"], profile.topInclusive.slice(0, 25).map((p) => [p.name.slice(0, 100), fmt(p.ms, 1), `${p.share}%`]), ["l", "r", "r"]));
    }
  }
  if (notes.length) {
    console.log("\nNotes:");
    for (const n of notes) console.log(`- ${n}`);
  }
  console.log("");
}
