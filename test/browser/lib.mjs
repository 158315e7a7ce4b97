// The browser tests' harness, shared by the suites that run.mjs runs in one process: a fake mail
// provider (node:http) that records every mail; `wrangler dev` on a fresh local D1/KV (migrations
// applied) with no link URLs set, so the mails link to the worker's own pages; the Chromium that
// the @sparticuz/chromium devDependency ships inside its npm package (unpacked into the temp dir
// on first use), so `npm install` is all these tests need; helpers; a tiny check runner.
// Each is started once for all the suites. Bounded waits only.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import sparticuz from "@sparticuz/chromium";
import { chromium } from "playwright-core";
import { bindingsFromConfig, loadMiniflare, readMigrations, readWranglerConfig } from "../../bench/lib/config.mjs";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const WRANGLER = join(ROOT, "node_modules/wrangler/bin/wrangler.js");
export const ARTIFACTS = join(ROOT, "test-artifacts");
const WEAKENING = ["--disable-web-security", "--allow-running-insecure-content"];

const started = Date.now();
export const log = (msg) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A port nobody listens on right now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** The fake mail provider: records every POSTed JSON mail, answers like Resend. */
function startMailProvider() {
  const mails = [];
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      if (req.method === "POST" && req.url === "/emails") {
        try {
          mails.push(JSON.parse(body));
        } catch {
          res.writeHead(400).end();
          return;
        }
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id: `fake-${mails.length}` }));
      } else res.writeHead(404).end();
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, mails, port: server.address().port })));
}

export async function waitFor(what, check, timeoutMs, intervalMs = 200) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Runs a command to its end (killed after `timeoutMs`): its exit status and output. */
function run(args, options, timeoutMs) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    for (const stream of [child.stdout, child.stderr]) {
      stream.setEncoding("utf8");
      stream.on("data", (chunk) => (output = (output + chunk).slice(-20_000)));
    }
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", reject);
    child.once("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, output });
    });
  });
}

/**
 * Every migration of every D1 database in wrangler.toml, applied in this process by Miniflare
 * into the directory `wrangler dev --persist-to` reads (its `v3`): the same SQLite files as
 * `wrangler d1 migrations apply --local`, without two more wrangler processes competing with
 * wrangler dev and Chromium for the cores while everything starts (9 s of the suite's 33).
 */
async function migrateLocalD1(persist) {
  const config = await readWranglerConfig(ROOT);
  const { Miniflare, toOptions } = await loadMiniflare(ROOT);
  const { d1Databases } = bindingsFromConfig(config);
  const mf = new Miniflare(toOptions({ modules: true, script: "export default { fetch: () => new Response(null, { status: 404 }) };", d1Databases, resourcePersistencePath: join(persist, "v3") }));
  try {
    const applied = [];
    for (const database of config.d1_databases) {
      const db = await mf.getD1Database(database.binding);
      const migrations = readMigrations(ROOT, config, database);
      for (const m of migrations) for (const statement of m.statements) await db.prepare(statement).run();
      applied.push(`${database.binding} ${migrations.length}`);
    }
    return applied.join(", ");
  } finally {
    await mf.dispose();
  }
}

const state = { wrangler: null, wranglerOutput: "", browser: null, browserStarting: null, mail: null, persist: null };

/** The tail of wrangler dev's output, for a failure report. */
export const wranglerOutput = () => state.wranglerOutput;

/** Unpacks (first use only) and launches the packaged Chromium. */
async function launchBrowser() {
  const executablePath = await sparticuz.executablePath();
  state.browser = await chromium.launch({
    executablePath,
    headless: true,
    // Its serverless flags, less the two that would weaken what the pages are tested for.
    args: [...sparticuz.args.filter((a) => !WEAKENING.includes(a)), "--disable-background-networking", "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"],
    timeout: 20_000,
  });
  log(`browser is up (${executablePath})`);
  return state.browser;
}

function killWrangler() {
  const child = state.wrangler;
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, "SIGKILL"); // its own process group: wrangler and its workerd
      } catch {}
      resolve();
    }, 5000);
    child.once("exit", () => {
      clearTimeout(timer);
      try {
        process.kill(-child.pid, "SIGKILL"); // a workerd left behind, if any
      } catch {}
      resolve();
    });
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}

/** Stops whatever start() started; safe to call at any point, and more than once. */
export async function cleanup() {
  await state.browserStarting?.catch(() => {});
  await state.browser?.close().catch(() => {});
  state.browser = null;
  await killWrangler();
  const mail = state.mail;
  state.mail = null;
  await new Promise((r) => (mail ? mail.server.close(() => r()) : r()));
  if (state.persist) rmSync(state.persist, { recursive: true, force: true });
  state.persist = null;
}

/**
 * Starts the mail provider, Chromium, the migrations and `wrangler dev` (with `vars` besides
 * the mail provider's, a fresh signing key, PUBLIC_URL at its own origin and PASSWORD_RESET_URL unset), and waits for all of
 * them. Returns what the suites use.
 */
export async function start(vars = {}) {
  mkdirSync(ARTIFACTS, { recursive: true });
  state.mail = await startMailProvider();
  state.persist = mkdtempSync(join(tmpdir(), "edge-auth-browser-"));
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const childEnv = { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };

  // Chromium, the migrations and wrangler dev start together: each takes seconds. The worker
  // touches D1 only once a request needs it, and the first such request waits for the migrations.
  state.browserStarting = launchBrowser();
  state.browserStarting.catch(() => {}); // awaited (and reported) below
  log("applying migrations to fresh local D1s (users, audit log)");
  const migrating = migrateLocalD1(state.persist);
  migrating.catch(() => {}); // awaited (and reported) below

  log(`starting wrangler dev on ${origin}`);
  const allVars = {
    MAIL_API_URL: `http://127.0.0.1:${state.mail.port}/emails`,
    MAIL_API_KEY: "test",
    JWT_SIGNING_KEY: randomBytes(48).toString("base64url"),
    // Empty: config treats it as unset, so the mail links to the worker's own page, which
    // PUBLIC_URL places (as `npm run dev` does): without it those routes answer 503.
    PASSWORD_RESET_URL: "",
    // The worker's own address (links to its pages, a provider's redirect URI), as npm run dev sets it.
    PUBLIC_URL: origin,
    ...vars,
  };
  const args = [WRANGLER, "dev", "--port", String(port), "--ip", "127.0.0.1", "--persist-to", state.persist];
  for (const [name, value] of Object.entries(allVars)) args.push("--var", `${name}:${value}`);
  state.wrangler = spawn(process.execPath, args, { cwd: ROOT, env: childEnv, stdio: ["ignore", "pipe", "pipe"], detached: true });
  for (const stream of [state.wrangler.stdout, state.wrangler.stderr]) {
    stream.setEncoding("utf8");
    stream.on("data", (chunk) => (state.wranglerOutput = (state.wranglerOutput + chunk).slice(-20_000)));
  }
  await waitFor(
    "the worker to answer GET /livez",
    async () => {
      if (state.wrangler.exitCode !== null) throw new Error(`wrangler dev exited with ${state.wrangler.exitCode}:\n${state.wranglerOutput}`);
      try {
        const res = await fetch(`${origin}/livez`, { signal: AbortSignal.timeout(2000) });
        return res.ok;
      } catch {
        return false;
      }
    },
    45_000,
    250,
  );
  log("worker is up");
  log(`migrations applied: ${await migrating}`);
  await state.browserStarting;
  const { mails } = state.mail;

  /** A JSON POST to the worker: its status and parsed body. */
  const api = async (path, body) => {
    const res = await fetch(origin + path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: res.status, body: await res.json() };
  };

  /** The mails sent to an address so far, oldest first. */
  const mailsTo = (to) => mails.filter((m) => m.to?.includes(to));

  /** The `path` link in a mail (asserted to point at the worker's own page). */
  const linkIn = (mail, path) => {
    const m = mail.text.match(new RegExp(`https?://\\S+/${path}/[A-Za-z0-9_-]+/[A-Za-z0-9_-]+/`));
    assert.ok(m, `no ${path} link in the mail:\n${mail.text}`);
    assert.ok(m[0].startsWith(`${origin}/${path}/`), `the link should point at the worker's own page: ${m[0]}`);
    return m[0];
  };

  /** Runs SQL against the worker's local D1 (as `wrangler d1 execute`). */
  const d1 = async (sql) => {
    const res = await run([WRANGLER, "d1", "execute", "DB", "--local", "--persist-to", state.persist, "--command", sql], { cwd: ROOT, env: childEnv }, 45_000);
    if (res.status !== 0) throw new Error(`d1 execute failed (${res.status ?? res.signal}):\n${res.output}`);
    return res;
  };

  /**
   * A page in a context of its own (no cookies shared between suites), JavaScript off, with
   * the suite's default timeouts; `cspViolations` collects the console's CSP reports.
   */
  const newPage = async () => {
    const context = await state.browser.newContext({ viewport: { width: 1024, height: 900 }, javaScriptEnabled: false });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.setDefaultNavigationTimeout(15_000);
    const cspViolations = [];
    page.on("console", (msg) => {
      if (/Content.Security.Policy/i.test(msg.text())) cspViolations.push(msg.text());
    });
    return { context, page, cspViolations };
  };

  /**
   * A browser of its own for each suite: the packaged Chromium runs --single-process, which can
   * end the whole browser when a suite's cross-origin pages close, under the next suite's feet.
   */
  let suites = 0;
  const freshBrowser = async () => {
    if (suites++ === 0 && state.browser?.isConnected()) return;
    await state.browser?.close().catch(() => {});
    state.browserStarting = launchBrowser();
    await state.browserStarting;
  };

  return {
    origin, mails, api, mailsTo, linkIn, d1, newPage, freshBrowser,
    get browser() {
      return state.browser;
    },
  };
}

/** Every check's outcome, in order. */
export const results = [];

/** Runs one named check: a failure is recorded and logged, and the next check runs. */
export async function check(name, fn) {
  const t = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    log(`ok   ${name} (${Date.now() - t} ms)`);
  } catch (err) {
    results.push({ name, ok: false });
    log(`FAIL ${name}\n${err?.stack ?? err}`);
  }
}
