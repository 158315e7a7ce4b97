// The deployed bundle on workerd through Miniflare's API, with the bindings of wrangler.toml
// (rate limits lifted) and every migration applied: what the scripted benchmarks talk to.
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { buildWorker } from "./build.mjs";
import { bindingsFromConfig, loadMiniflare, readMigrations, readWranglerConfig } from "./config.mjs";

/**
 * Builds the bundle as deployed, once; `entry`, when given, is a module placed in front of
 * it (it imports "./index.js"), e.g. bench/geo's D1 stand-in. launch() starts it, as often
 * as a benchmark needs a fresh workerd; cleanup() removes the build.
 */
export async function buildBundle(root, { entry, log = console.log } = {}) {
  const tmp = mkdtempSync(join(os.tmpdir(), "edge-auth-bench-"));
  log("building the worker as deployed (wrangler deploy --dry-run --minify) ...");
  const outdir = join(tmp, "dist");
  buildWorker(root, outdir);
  const config = await readWranglerConfig(root);
  const bindings = bindingsFromConfig(config);
  const { Miniflare, toOptions } = await loadMiniflare(root);
  const main = entry ? "bench-entry.js" : "index.js";
  if (entry) copyFileSync(entry, join(outdir, main));
  const modules = readdirSync(outdir)
    .filter((f) => f.endsWith(".js") || f.endsWith(".txt"))
    .sort((a, c) => (a === main ? -1 : c === main ? 1 : a.localeCompare(c)))
    .map((f) => ({ type: f.endsWith(".txt") ? "Text" : "ESModule", path: join(outdir, f) }));
  let launches = 0;

  /**
   * A fresh workerd running the bundle, its databases in a directory of their own and every
   * one migrated; `extraBindings` override vars, `ratelimits` restores real limits (e.g.
   * `{ COSTLY_HASH_LIMITER: { limit: 5, period: 60 } }`). Returns its URL, the users' D1 binding, and dispose().
   */
  async function launch({ extraBindings = {}, inspectorPort, ratelimits = {} } = {}) {
    const mf = new Miniflare(
      toOptions({
        host: "127.0.0.1",
        port: 0,
        inspectorPort,
        handleStructuredLogs() {},
        d1Persist: join(tmp, `d1-${launches++}`),
        workers: [
          {
            name: config.name,
            modules,
            modulesRoot: outdir,
            compatibilityDate: config.compatibility_date,
            compatibilityFlags: config.compatibility_flags ?? [],
            d1Databases: bindings.d1Databases,
            kvNamespaces: bindings.kvNamespaces,
            ratelimits: { ...bindings.ratelimits, ...Object.fromEntries(Object.entries(ratelimits).map(([name, simple]) => [name, { ...bindings.ratelimits[name], simple }])) },
            unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
            bindings: { ...bindings.vars, JWT_SIGNING_KEY: randomBytes(48).toString("base64url"), MAIL_TRANSPORT: "log", ...extraBindings },
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
    const db = await mf.getD1Database(Object.keys(bindings.d1Databases)[0]);
    return { url, db, dispose: () => mf.dispose().catch(() => {}) };
  }

  return { config, vars: bindings.vars, launch, cleanup: () => rmSync(tmp, { recursive: true, force: true }) };
}

/** Builds and starts the worker once (see buildBundle); dispose() stops it and removes the build. */
export async function startWorker(root, { extraBindings = {}, entry, log = console.log, ratelimits } = {}) {
  const bundle = await buildBundle(root, { entry, log });
  const worker = await bundle.launch({ extraBindings, ratelimits });
  return {
    url: worker.url,
    db: worker.db,
    async dispose() {
      await worker.dispose();
      bundle.cleanup();
    },
  };
}
