// `npm run test:browser`: the worker's e-mail verification and e-mail change pages in a real
// browser, the sibling of reset-page.mjs (same harness: a fake mail provider, `wrangler dev` on
// a fresh local D1/KV with EMAIL_VERIFICATION=mandatory and no link URLs set, so the mails
// link to the worker's own pages; the packaged Chromium, JavaScript off). Screenshots of each
// state go to test-artifacts/email-*.png.
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

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const WRANGLER = join(ROOT, "node_modules/wrangler/bin/wrangler.js");
const ARTIFACTS = join(ROOT, "test-artifacts");
const WEAKENING = ["--disable-web-security", "--allow-running-insecure-content"];
const OVERALL_MS = 180_000;

const started = Date.now();
const log = (msg) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

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

async function waitFor(what, check, timeoutMs, intervalMs = 200) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

const state = { wrangler: null, wranglerOutput: "", browser: null, mail: null, persist: null };

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

/** Unpacks (first use only) and launches the packaged Chromium. */
async function launchBrowser() {
  const executablePath = await sparticuz.executablePath();
  state.browser = await chromium.launch({
    executablePath,
    headless: true,
    // Its serverless flags, less the two that would weaken what the page is tested for.
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

async function cleanup() {
  await state.browserStarting?.catch(() => {});
  await state.browser?.close().catch(() => {});
  await killWrangler();
  await new Promise((r) => (state.mail ? state.mail.server.close(() => r()) : r()));
  if (state.persist) rmSync(state.persist, { recursive: true, force: true });
}

const results = [];
async function check(name, fn) {
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

async function main() {
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
  log("applying migrations to a fresh local D1");
  const migrating = run([WRANGLER, "d1", "migrations", "apply", "DB", "--local", "--persist-to", state.persist], { cwd: ROOT, env: childEnv }, 45_000);

  log(`starting wrangler dev on ${origin}`);
  const args = [
    WRANGLER, "dev",
    "--port", String(port),
    "--ip", "127.0.0.1",
    "--persist-to", state.persist,
    "--var", `MAIL_API_URL:http://127.0.0.1:${state.mail.port}/emails`,
    "--var", "MAIL_API_KEY:test",
    "--var", `JWT_SIGNING_KEY:${randomBytes(48).toString("base64url")}`,
    // Empty: config treats it as unset, so the mail links to the worker's own page.
    "--var", "PASSWORD_RESET_URL:",
    "--var", "EMAIL_VERIFICATION:mandatory",
  ];
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
  const migrate = await migrating;
  if (migrate.status !== 0) throw new Error(`migrations failed (${migrate.status ?? migrate.signal}):\n${migrate.output}`);
  log("migrations applied");

  const api = async (path, body) => {
    const res = await fetch(origin + path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: res.status, body: await res.json() };
  };

  const linkIn = (mail, path) => {
    const m = mail.text.match(new RegExp(`https?://\\S+/${path}/[A-Za-z0-9_-]+/[A-Za-z0-9_-]+/`));
    assert.ok(m, `no ${path} link in the mail:\n${mail.text}`);
    assert.ok(m[0].startsWith(`${origin}/${path}/`), `the link should point at the worker's own page: ${m[0]}`);
    return m[0];
  };
  const mailsTo = (to) => state.mail.mails.filter((m) => m.to?.includes(to));

  const email = `browser.${Date.now().toString(36)}@example.com`;
  const password = "Initial-Pebble-2209";
  const reg = await api("/api/user/register/", { email, name: "Browser Tester", password, password2: password, tc: true });
  assert.equal(reg.status, 201, JSON.stringify(reg.body));
  assert.deepEqual(reg.body, { msg: "Registration Successful", verification_required: true });
  const verifyLink = linkIn(await waitFor("the verification mail", () => mailsTo(email)[0], 10_000, 100), "verify-email");
  log("verification link received");

  const browser = await state.browserStarting;
  const context = await browser.newContext({ viewport: { width: 1024, height: 900 }, javaScriptEnabled: false });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.setDefaultNavigationTimeout(15_000);
  const cspViolations = [];
  page.on("console", (msg) => {
    if (/Content.Security.Policy/i.test(msg.text())) cspViolations.push(msg.text());
  });
  const shot = (name) => page.screenshot({ path: join(ARTIFACTS, `email-${name}.png`), fullPage: true });
  const click = async (name) => {
    const [response] = await Promise.all([page.waitForNavigation(), page.getByRole("button", { name }).click()]);
    return response;
  };
  const h1 = () => page.getByRole("heading", { level: 1 }).innerText();

  await check("the verification page: one button, strict CSP; opening it (twice) verifies nothing", async () => {
    for (let i = 0; i < 2; i++) {
      const res = await page.goto(verifyLink);
      assert.equal(res.status(), 200);
      assert.match(res.headers()["content-security-policy"], /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'$/);
    }
    assert.equal(await h1(), "Confirm your email address");
    assert.match(await page.locator("main").innerText(), new RegExp(email.replace(/[.]/g, "\\.")));
    assert.equal(await page.locator("script").count(), 0);
    await shot("1-verify-page");
    const login = await api("/api/user/login/", { email, password });
    assert.equal(login.status, 403, "still unverified after the GETs");
    assert.deepEqual(login.body, { errors: { detail: "Email address is not verified.", code: "email_not_verified" } });
  });

  await check("its button verifies; the address can then sign in", async () => {
    await page.goto(verifyLink);
    const res = await click("Confirm my email address");
    assert.equal(res.status(), 200);
    assert.equal(await h1(), "Email address confirmed");
    await shot("2-verified");
    assert.equal((await api("/api/user/login/", { email, password })).status, 200);
  });

  await check("the used link is dead and offers a new one", async () => {
    const res = await page.goto(verifyLink);
    assert.equal(res.status(), 400);
    assert.equal(await h1(), "This link is no longer valid");
    assert.equal(await page.getByLabel("Email address", { exact: true }).count(), 1);
    await shot("3-used-link");
  });

  // A second account, whose link is made to expire: the page says so, and its form sends a new link.
  const late = `late.${Date.now().toString(36)}@example.com`;
  assert.equal((await api("/api/user/register/", { email: late, name: "Late Tester", password, password2: password, tc: true })).status, 201);
  const lateLink = linkIn(await waitFor("the second verification mail", () => mailsTo(late)[0], 10_000, 100), "verify-email");
  const expire = await run(
    [WRANGLER, "d1", "execute", "DB", "--local", "--persist-to", state.persist, "--command", `UPDATE mail_tokens SET expires_at = 1 WHERE email = '${late}'`],
    { cwd: ROOT, env: childEnv },
    45_000,
  );
  if (expire.status !== 0) throw new Error(`could not expire the link:\n${expire.output}`);

  await check("an expired link says so; its form sends a new link that works", async () => {
    const res = await page.goto(lateLink);
    assert.equal(res.status(), 400);
    assert.equal(await h1(), "This link has expired");
    await shot("4-expired-link");
    await page.getByLabel("Email address", { exact: true }).fill("not-an-address");
    let sent = await click("Send a new link");
    assert.equal(sent.status(), 400);
    assert.match(await page.locator("main").innerText(), /Enter a valid email address\./);
    await shot("5-resend-error");
    await page.getByLabel("Email address", { exact: true }).fill(late);
    sent = await click("Send a new link");
    assert.equal(sent.status(), 200);
    assert.equal(await h1(), "Check your email");
    await shot("6-resend-sent");
    const fresh = linkIn(await waitFor("the new link", () => mailsTo(late)[1], 10_000, 100), "verify-email");
    await page.goto(fresh);
    assert.equal((await click("Confirm my email address")).status(), 200);
  });

  await check("the e-mail change page shows both addresses; its button changes the address", async () => {
    const tokens = await api("/api/token/", { email, password });
    assert.equal(tokens.status, 200);
    const newEmail = `moved.${Date.now().toString(36)}@example.com`;
    const res = await fetch(`${origin}/api/user/change-email/`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${tokens.body.access}` },
      body: JSON.stringify({ new_email: newEmail, current_password: password }),
    });
    assert.equal(res.status, 200);
    const changeLink = linkIn(await waitFor("the change mail", () => mailsTo(newEmail)[0], 10_000, 100), "confirm-email-change");
    await waitFor("the notice to the old address", () => mailsTo(email).find((m) => /being changed/.test(m.subject)), 10_000, 100);
    const pageRes = await page.goto(changeLink);
    assert.equal(pageRes.status(), 200);
    assert.equal(await h1(), "Confirm your new email address");
    const text = await page.locator("main").innerText();
    assert.ok(text.includes(email) && text.includes(newEmail));
    await shot("7-change-page");
    assert.equal((await click("Use my new email address")).status(), 200);
    assert.equal(await h1(), "Email address changed");
    await shot("8-changed");
    assert.equal((await api("/api/user/login/", { email: newEmail, password })).status, 200);
    const again = await page.goto(changeLink);
    assert.equal(again.status(), 400);
    await shot("9-change-used-link");
    await page.setViewportSize({ width: 375, height: 800 });
    await page.goto(lateLink);
    await shot("10-dead-link-mobile");
    assert.deepEqual(cspViolations, [], "no CSP violations on any page");
  });
}

const CHECKS = 5;
const watchdog = setTimeout(() => {
  console.error(`browser test: over ${OVERALL_MS / 1000} s, giving up`);
  cleanup().finally(() => {
    console.log(`${results.filter((r) => r.ok).length} passed, ${CHECKS - results.filter((r) => r.ok).length} failed`);
    process.exit(1);
  });
}, OVERALL_MS);

let setupError;
try {
  await main();
} catch (err) {
  setupError = err;
  console.error(`browser test setup failed: ${err?.stack ?? err}`);
  if (state.wranglerOutput) console.error(`--- wrangler output (tail) ---\n${state.wranglerOutput.slice(-4000)}`);
} finally {
  await cleanup();
  clearTimeout(watchdog);
}
const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed + (setupError ? 1 : 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
