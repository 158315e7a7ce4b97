// `npm run bench -- --check`: every scenario's median workerd CPU ms per request, the bundle's
// gzip size and the cold start against bench/budgets.json. A figure more than `tolerance`
// (10 %) over its budget fails the check; so does a measured scenario without a budget or with
// failed answers (a CPU figure of error answers measures the wrong thing). A scenario skipped
// (wave-2 route still 404) is printed as SKIPPED, never as passing.
import { readFileSync } from "node:fs";

export function readBudgets(path) {
  const b = JSON.parse(readFileSync(path, "utf8"));
  if (typeof b.tolerance !== "number" || !b.scenarios || !b.bundle) throw new Error(`${path}: needs tolerance, bundle and scenarios`);
  return b;
}

/** One line per budget: status ok | FAIL | SKIPPED | not run. */
export function checkBudgets(budgets, { rows, sizes, skipped, coldStart }) {
  const tol = budgets.tolerance;
  const lines = [];
  const judge = (what, measured, budget, unit) => {
    const limit = Math.round(budget * (1 + tol) * 1000) / 1000;
    lines.push({ what, measured, budget, limit, unit, status: measured <= limit ? "ok" : "FAIL" });
  };
  for (const [id, spec] of Object.entries(budgets.scenarios)) {
    if (id.startsWith("_")) continue;
    const row = rows.find((r) => r.id === id);
    if (skipped[id]) {
      lines.push({ what: `${id} CPU ms/req`, budget: spec.cpuMsPerRequest, status: "SKIPPED", why: `${skipped[id]}${spec.provisional ? "; budget provisional" : ""}` });
      continue;
    }
    if (!row) {
      lines.push({ what: `${id} CPU ms/req`, budget: spec.cpuMsPerRequest, status: "not run", why: "not selected (BENCH_SCENARIOS)" });
      continue;
    }
    if (row.non2xx || row.errors) {
      lines.push({ what: `${id} CPU ms/req`, budget: spec.cpuMsPerRequest, status: "FAIL", why: `${row.non2xx} unexpected answers, ${row.errors} errors/timeouts` });
      continue;
    }
    if (row.workerdCpuMsPerRequest == null) {
      lines.push({ what: `${id} CPU ms/req`, budget: spec.cpuMsPerRequest, status: "FAIL", why: "no CPU figure (workerd not found under /proc?)" });
      continue;
    }
    judge(`${id} CPU ms/req${spec.provisional ? " (provisional budget: set it from this run's median x 1.25)" : ""}`, row.workerdCpuMsPerRequest, spec.cpuMsPerRequest, "ms");
  }
  for (const row of rows) {
    if (!(row.id in budgets.scenarios)) lines.push({ what: `${row.id} CPU ms/req`, measured: row.workerdCpuMsPerRequest, status: "FAIL", why: "no budget in bench/budgets.json" });
  }
  judge("bundle gzip KiB", sizes.total.gzipKiB, budgets.bundle.gzipKiB, "KiB");
  if (budgets.coldStart && coldStart) {
    judge("cold start: startup CPU ms over bare Hono", coldStart.summary.startupCpuOverBareMs, budgets.coldStart.startupCpuOverBareMs, "ms");
  } else if (budgets.coldStart) {
    lines.push({ what: "cold start", status: "not run", why: "BENCH_COLDSTART off" });
  }
  return { ok: lines.every((l) => l.status !== "FAIL"), tolerance: tol, lines };
}

export function printBudgetCheck(result) {
  console.log(`Budget check (bench/budgets.json; fails above budget + ${Math.round(result.tolerance * 100)} %):`);
  for (const l of result.lines) {
    const figures = l.measured != null && l.budget != null ? `${l.measured} ${l.unit} (budget ${l.budget}, limit ${l.limit})` : l.measured != null ? `${l.measured}` : l.budget != null ? `(budget ${l.budget})` : "";
    console.log(`  ${l.status.padEnd(8)} ${l.what}: ${figures}${l.why ? ` - ${l.why}` : ""}`);
  }
  const skipped = result.lines.filter((l) => l.status === "SKIPPED").length;
  console.log(
    result.ok
      ? `Budget check passed${skipped ? ` (${skipped} scenario(s) SKIPPED: not measured, not passed)` : ""}.`
      : `Budget check FAILED: ${result.lines.filter((l) => l.status === "FAIL").map((l) => l.what).join(", ")}.`,
  );
}
