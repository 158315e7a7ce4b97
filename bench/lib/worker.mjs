// The deployed bundle on workerd through Miniflare's API, with the bindings of wrangler.toml
// (rate limits lifted) and every migration applied: what the scripted benchmarks talk to.
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { buildWorker } from "./build.mjs";
import { bindingsFromConfig, loadMiniflare, readMigrations, readWranglerConfig } from "./config.mjs";

/**
 * Starts the worker; `extraBindings` override vars. `entry`, when given, is a module placed in
 * front of the bundle (it imports "./index.js"), e.g. bench/geo's D1 stand-in. Returns the
 * URL, the D1 binding, and dispose().
 */
export async function startWorker(root, { extraBindings = {}, entry, log = console.log } = {}) {
  const tmp = mkdtempSync(join(os.tmpdir(), "edge-auth-bench-"));
  log("building the worker as deployed (wrangler deploy --dry-run --minify) ...");
  const outdir = join(tmp, "dist");
  buildWorker(root, outdir);
  const config = await readWranglerConfig(root);
  const b = bindingsFromConfig(config);
  const { Miniflare, toOptions } = await loadMiniflare(root);
  const main = entry ? "bench-entry.js" : "index.js";
  if (entry) copyFileSync(entry, join(outdir, main));
  const modules = readdirSync(outdir)
    .filter((f) => f.endsWith(".js") || f.endsWith(".txt"))
    .sort((a, c) => (a === main ? -1 : c === main ? 1 : a.localeCompare(c)))
    .map((f) => ({ type: f.endsWith(".txt") ? "Text" : "ESModule", path: join(outdir, f) }));
  const mf = new Miniflare(
    toOptions({
      host: "127.0.0.1",
      port: 0,
      handleStructuredLogs() {},
      d1Persist: join(tmp, "d1"),
      workers: [
        {
          name: config.name,
          modules,
          modulesRoot: outdir,
          compatibilityDate: config.compatibility_date,
          compatibilityFlags: config.compatibility_flags ?? [],
          d1Databases: b.d1Databases,
          kvNamespaces: b.kvNamespaces,
          ratelimits: b.ratelimits,
          unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
          bindings: { ...b.vars, JWT_SIGNING_KEY: randomBytes(48).toString("base64url"), MAIL_TRANSPORT: "log", ...extraBindings },
        },
      ],
    }),
  );
  await mf.ready;
  const url = (await mf.unsafeGetDirectURL(config.name)).toString().replace(/\/$/, "");
  // Every database migrated, the audit log's too, so nothing fails behind the measured answers.
  for (const database of config.d1_databases ?? []) {
    const binding = await mf.getD1Database(database.binding);
    for (const m of readMigrations(root, config, database)) for (const stmt of m.statements) await binding.prepare(stmt).run();
  }
  const db = await mf.getD1Database(Object.keys(b.d1Databases)[0]);
  return {
    url,
    db,
    async dispose() {
      await mf.dispose().catch(() => {});
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}
