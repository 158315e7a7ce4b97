// `npm run bench:passwords`: CPU time of the password work one request can cost, on the code
// as bundled (esbuild, like wrangler) and run by this Node's V8 (workerd's engine too), since
// the workerd test runner cannot time anything (its clock does not move without I/O) and
// runs the code through Vite's transform, several times slower than a bundle.
// Prints a table: a pbkdf2_sha256 260,000 verification (an imported Django user's first
// login), a bcrypt_sha256 verification at cost 10 (BCRYPT_COST's default), a scrypt one at
// the default parameters (through Node's node:crypto: OpenSSL, not workerd's BoringSSL; npm
// run bench's bound measures the real one), and the
// password rules on a 4096-character password, including the similarity worst case.
// Exits 0 (a report, not a test). Env: BENCH_SAMPLES (per case, default 5).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { readWranglerConfig } from "./lib/config.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 5);
const esbuild = createRequire(join(ROOT, "node_modules/wrangler/package.json"))("esbuild");

const tmp = mkdtempSync(join(os.tmpdir(), "edge-auth-bench-passwords-"));
try {
  const outfile = join(tmp, "passwords.mjs");
  // The worker's own aliases (bcryptjs' optional require("crypto") points at a stub).
  const alias = Object.fromEntries(Object.entries((await readWranglerConfig(ROOT)).alias ?? {}).map(([k, v]) => [k, resolve(ROOT, v)]));
  await esbuild.build({
    stdin: {
      contents: 'export * from "./src/features/passwords/hashing"; export { passwordProblems } from "./src/features/passwords/rules";',
      resolveDir: ROOT,
      loader: "ts",
    },
    bundle: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    minify: true,
    // scrypt: workerd's built-in module there, Node's (OpenSSL) here.
    external: ["node:crypto"],
    alias,
    outfile,
    logLevel: "error",
  });
  const { verifyPassword, hashPassword, passwordProblems } = await import(pathToFileURL(outfile).href);
  const fixtures = JSON.parse(readFileSync(join(ROOT, "test/fixtures/django-hashes.json"), "utf8"));
  const django = fixtures.users[0];

  const random = (n) => Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => String.fromCharCode(33 + (b % 94))).join("");
  const long = random(4096);
  const bcrypt10 = await hashPassword("benchmark-Pass-10", 10);
  const scryptDefault = { kind: "scrypt", N: 16384, r: 16, p: 1 };
  const scrypt14 = await hashPassword("benchmark-Pass-10", scryptDefault);
  const notCommon = async () => false;

  const cases = [
    ["pbkdf2_sha256 260000 verify (@noble/hashes)", async () => (await verifyPassword(django.password, django.hash, 10)).ok],
    ["bcrypt_sha256 cost 10 verify (bcryptjs)", async () => (await verifyPassword("benchmark-Pass-10", bcrypt10, 10)).ok],
    ["scrypt 2^14,16,1 verify (Node's OpenSSL, not workerd)", async () => (await verifyPassword("benchmark-Pass-10", scrypt14, scryptDefault)).ok],
    ["password rules, 4096 random characters", async () => (await passwordProblems(long, { email: "ada.lovelace@example.com", name: "Ada Lovelace" }, notCommon)).length === 0],
    ["password rules, 4096 characters, similarity worst case", async () => (await passwordProblems(long, { name: [...long].reverse().join("") }, notCommon)).length === 1],
  ];
  console.log(`node ${process.versions.node}, ${SAMPLES} samples per case (median, min, max in ms)`);
  for (const [name, run] of cases) {
    const times = [];
    for (let i = 0; i < SAMPLES; i++) {
      const start = performance.now();
      if (!(await run())) throw new Error(`${name}: wrong result`);
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    const f = (x) => x.toFixed(1).padStart(8);
    console.log(`${name.padEnd(56)}${f(times[Math.floor(times.length / 2)])}${f(times[0])}${f(times.at(-1))}`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
