// Builds what gets measured: the worker exactly as `wrangler deploy --minify` would upload it,
// and the one-bcrypt-compare bound worker (bench/bcrypt-worker.mjs) with esbuild.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";
import { gzipSync } from "node:zlib";

/**
 * `wrangler deploy --dry-run --outdir <outdir> --minify` (plus an esbuild metafile), run with
 * this Node (22, from the `node` devDependency) and wrangler's own bin file.
 */
export function buildWorker(root, outdir) {
  const wrangler = join(root, "node_modules/wrangler/bin/wrangler.js");
  const metafile = join(outdir, "bundle-meta.json");
  const args = [wrangler, "deploy", "--dry-run", "--outdir", outdir, "--minify", "--metafile", metafile];
  const started = Date.now();
  const r = spawnSync(process.execPath, args, {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
  });
  if (r.status !== 0) {
    throw new Error(`wrangler build failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
  const totalLine = /Total Upload: ([^\n]+)/.exec(r.stdout)?.[1]?.trim();
  return { outdir, metafile, ms: Date.now() - started, wranglerSummary: totalLine ?? null, command: `wrangler ${args.slice(1).join(" ")}` };
}

const kib = (n) => Math.round((n / 1024) * 10) / 10;

/**
 * Sizes of every module in the outdir, raw and gzip (zlib level 9, and level 6 = gzip's default).
 * Source maps and wrangler's README are listed apart: they are not modules of the worker.
 */
export function bundleSizes(outdir) {
  const modules = [];
  const other = [];
  for (const name of readdirSync(outdir).sort()) {
    const path = join(outdir, name);
    if (!statSync(path).isFile()) continue;
    const data = readFileSync(path);
    const entry = { file: name, bytes: data.length, kib: kib(data.length) };
    if (name.endsWith(".map") || name === "README.md" || name === "bundle-meta.json") {
      other.push(entry);
      continue;
    }
    const gz9 = gzipSync(data, { level: 9 }).length;
    const gz6 = gzipSync(data, { level: 6 }).length;
    modules.push({ ...entry, gzipBytes: gz9, gzipKiB: kib(gz9), gzip6Bytes: gz6, kind: name.endsWith(".txt") ? "Text module" : "ES module" });
  }
  const sum = (list, k) => list.reduce((a, m) => a + m[k], 0);
  const code = modules.filter((m) => m.kind === "ES module");
  return {
    modules,
    notModules: other,
    total: { bytes: sum(modules, "bytes"), kib: kib(sum(modules, "bytes")), gzipBytes: sum(modules, "gzipBytes"), gzipKiB: kib(sum(modules, "gzipBytes")) },
    codeOnly: { bytes: sum(code, "bytes"), kib: kib(sum(code, "bytes")), gzipBytes: sum(code, "gzipBytes"), gzipKiB: kib(sum(code, "gzipBytes")) },
  };
}

/** Bytes of the minified output by npm package (or `src/` for the project's own code), from esbuild's metafile. */
export function bundleComposition(metafilePath, root) {
  let meta;
  try {
    meta = JSON.parse(readFileSync(metafilePath, "utf8"));
  } catch {
    return null;
  }
  const byPackage = new Map();
  for (const out of Object.values(meta.outputs ?? {})) {
    for (const [input, info] of Object.entries(out.inputs ?? {})) {
      const rel = input.startsWith("/") ? relative(root, input) : input;
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(rel);
      const key = m ? m[1] : rel.startsWith("src/") ? "src/ (project code)" : rel.replace(/^.*?wrangler\/templates/, "wrangler templates");
      byPackage.set(key, (byPackage.get(key) ?? 0) + info.bytesInOutput);
    }
  }
  const total = [...byPackage.values()].reduce((a, b) => a + b, 0);
  return [...byPackage.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([name, bytes]) => ({ name, bytes, kib: kib(bytes), share: Math.round((bytes / total) * 1000) / 10 }));
}

/**
 * Minified bytes of the project's own code by capability: src/features/<cap>, src/kernel,
 * and the rest of src/ (app.ts, index.ts, vendor). Wave-2 capabilities show up by themselves.
 */
export function bundleCapabilities(metafilePath, root) {
  let meta;
  try {
    meta = JSON.parse(readFileSync(metafilePath, "utf8"));
  } catch {
    return null;
  }
  const byCap = new Map();
  for (const out of Object.values(meta.outputs ?? {})) {
    for (const [input, info] of Object.entries(out.inputs ?? {})) {
      const rel = input.startsWith("/") ? relative(root, input) : input;
      if (!rel.startsWith("src/")) continue;
      const m = /^src\/features\/([^/]+)\//.exec(rel);
      const key = m ? `features/${m[1]}` : rel.startsWith("src/kernel/") ? "kernel" : "src (app, index, vendor)";
      byCap.set(key, (byCap.get(key) ?? 0) + info.bytesInOutput);
    }
  }
  const total = [...byCap.values()].reduce((a, b) => a + b, 0);
  return [...byCap.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([name, bytes]) => ({ name, bytes, kib: kib(bytes), share: Math.round((bytes / total) * 1000) / 10 }));
}

/** bench/bcrypt-worker.mjs (the bound: one verification of the configured hasher) bundled (minified, ESM) with the esbuild wrangler itself uses. */
export async function buildBcryptWorker(root, outfile) {
  return buildBenchWorker(root, join(root, "bench/bcrypt-worker.mjs"), outfile);
}

/** A bench-only worker (the hash bound, the bare Hono yardstick) bundled minified as ESM with wrangler's esbuild. */
export async function buildBenchWorker(root, entry, outfile) {
  const require = createRequire(join(root, "package.json"));
  let esbuild;
  try {
    esbuild = require("esbuild");
  } catch {
    esbuild = createRequire(join(root, "node_modules/wrangler/package.json"))("esbuild");
  }
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: "esm",
    // "browser" honours bcryptjs' `"browser": {"crypto": false}`: compare needs no randomness.
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    // workerd's own module (the scrypt bound), as wrangler leaves it for the worker.
    external: ["node:crypto"],
    target: "es2022",
    minify: true,
    logLevel: "warning",
  });
  return { outfile, bytes: statSync(outfile).size, esbuild: esbuild.version };
}
