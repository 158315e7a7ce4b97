// wrangler.toml read by wrangler itself (unstable_readConfig), turned into Miniflare options.
// Nothing about the bindings is hardcoded here: whatever the config declares is what runs.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/** Limit given to every [[ratelimits]] binding so the benchmark never gets throttled. */
export const NEVER_THROTTLE = 1_000_000_000;

export async function readWranglerConfig(root) {
  const configPath = join(root, "wrangler.toml");
  const wrangler = await import(pathToFileURL(join(root, "node_modules/wrangler/wrangler-dist/cli.js")).href);
  if (typeof wrangler.unstable_readConfig !== "function") throw new Error("wrangler does not export unstable_readConfig");
  return wrangler.unstable_readConfig({ config: configPath }, { hideWarnings: true });
}

/** Loads Miniflare: the top-level package if present, else the copy nested in wrangler. */
export async function loadMiniflare(root) {
  const candidates = [join(root, "node_modules/miniflare"), join(root, "node_modules/wrangler/node_modules/miniflare")];
  for (const dir of candidates) {
    if (!existsSync(join(dir, "package.json"))) continue;
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    const require = createRequire(join(dir, "package.json"));
    const entry = require.resolve("miniflare");
    const mod = await import(pathToFileURL(entry).href);
    let workerd = null;
    try {
      workerd = JSON.parse(readFileSync(createRequire(entry).resolve("workerd/package.json"), "utf8")).version;
    } catch {
      /* version is informational only */
    }
    // Miniflare 5 takes a new options shape; wrangler still speaks v4's flat one and converts
    // with convertV4MiniflareOptions, and so do we (older Miniflares take v4 options as they are).
    const toOptions = typeof mod.convertV4MiniflareOptions === "function" ? mod.convertV4MiniflareOptions : (o) => o;
    return { Miniflare: mod.Miniflare, toOptions, version: pkg.version, dir, workerdVersion: workerd };
  }
  throw new Error("miniflare not found (neither node_modules/miniflare nor wrangler's nested copy)");
}

/**
 * The worker's bindings as Miniflare options. Returns the options and notes about anything
 * the benchmark changed (rate limits) or could not map.
 */
export function bindingsFromConfig(config) {
  const notes = [];
  const d1Databases = Object.fromEntries((config.d1_databases ?? []).map((d) => [d.binding, d.database_id ?? d.database_name ?? d.binding]));
  const kvNamespaces = Object.fromEntries((config.kv_namespaces ?? []).map((k) => [k.binding, k.id ?? k.binding]));
  const ratelimits = {};
  for (const r of config.ratelimits ?? []) {
    ratelimits[r.name] = { namespace_id: String(r.namespace_id ?? r.name), simple: { limit: NEVER_THROTTLE, period: r.simple?.period ?? 60 } };
    notes.push(`rate limit binding ${r.name} (wrangler.toml: ${r.simple?.limit}/${r.simple?.period}s) mapped with limit ${NEVER_THROTTLE} so it never throttles`);
  }
  const unsupported = ["durable_objects", "r2_buckets", "queues", "services", "send_email", "analytics_engine_datasets", "hyperdrive", "vectorize", "ai", "workflows"];
  for (const key of unsupported) {
    const v = config[key];
    // wrangler fills absent sections with empty defaults ([] or { bindings: [] } / { producers: [], consumers: [] }).
    const present = Array.isArray(v) ? v.length > 0 : v && typeof v === "object" ? Object.values(v).some((x) => (Array.isArray(x) ? x.length > 0 : x != null)) : Boolean(v);
    if (present) notes.push(`wrangler.toml declares ${key}: not mapped by the benchmark harness`);
  }
  return { d1Databases, kvNamespaces, ratelimits, vars: { ...(config.vars ?? {}) }, notes };
}

/** Every top-level *.sql of a database's migrations_dir (default: the first database's) in name order, split on drizzle-kit's statement breakpoints. */
export function readMigrations(root, config, database = config.d1_databases?.[0]) {
  const dirName = database?.migrations_dir ?? "migrations";
  const dir = join(root, dirName);
  const files = readdirSync(dir).filter((f) => f.endsWith(".sql")).sort();
  return files.map((file) => ({
    file,
    statements: readFileSync(join(dir, file), "utf8")
      .split("--> statement-breakpoint")
      .map((s) => s.trim())
      .filter((s) => s.replace(/--[^\n]*\n?/g, "").trim() !== ""),
  }));
}
