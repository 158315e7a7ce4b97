// `npm run test:browser`: the worker's password-reset page in a real browser.
// A fake mail provider (node:http) records the reset mail; the worker runs under
// `wrangler dev` on a fresh local D1/KV with PASSWORD_RESET_URL unset, so the mail links
// to the worker's own page; the Chromium that the @sparticuz/chromium devDependency ships
// inside its npm package (unpacked into the temp dir on first use) walks the page as a person
// would, so `npm install` is all this test needs. Screenshots go to test-artifacts/. Bounded
// waits only; ~30 s in all.
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
const OVERALL_MS = 90_000;
const NEW_PASSWORD = "Amber-Canyon-4817";
const DEAD = "This link has expired or was already used";
const SUCCESS = "Your password has been changed. You can now sign in with your new password.";

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

  const email = `browser.${Date.now().toString(36)}@example.com`;
  const oldPassword = "Initial-Pebble-2209";
  const reg = await api("/api/user/register/", { email, name: "Browser Tester", password: oldPassword, password2: oldPassword, tc: true });
  assert.equal(reg.status, 201, JSON.stringify(reg.body));
  const sent = await api("/api/user/send-reset-password-email/", { email });
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
  const mail = await waitFor("the reset mail", () => state.mail.mails.find((m) => m.to?.includes(email)), 10_000, 100);
  const match = mail.text.match(/https?:\/\/\S+\/reset-password\/[A-Za-z0-9_-]+\/[A-Za-z0-9_-]+\//);
  assert.ok(match, `no reset link in the mail:\n${mail.text}`);
  const link = match[0];
  assert.ok(link.startsWith(`${origin}/reset-password/`), `the link should point at the worker's own page: ${link}`);
  log(`reset link received: ${link.replace(/[^/]+\/$/, "…/")}`);

  const browser = await state.browserStarting;
  const context = await browser.newContext({ viewport: { width: 1024, height: 900 }, javaScriptEnabled: false });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.setDefaultNavigationTimeout(15_000);
  const cspViolations = [];
  page.on("console", (msg) => {
    if (/Content.Security.Policy/i.test(msg.text())) cspViolations.push(msg.text());
  });

  /** The label of an input, by its for= and its accessible name. */
  const assertLabelled = async (id, text) => {
    assert.equal(await page.locator(`label[for="${id}"]`).count(), 1, `one label for #${id}`);
    assert.equal((await page.locator(`label[for="${id}"]`).innerText()).trim(), text);
    assert.equal(await page.getByLabel(text, { exact: true }).getAttribute("id"), id);
  };
  const submit = async () => {
    const [response] = await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Change password" }).click()]);
    return response;
  };

  await check("a live link shows the labelled form, styled, keyboard-reachable", async () => {
    const res = await page.goto(link);
    assert.equal(res.status(), 200);
    const headers = res.headers();
    assert.match(headers["content-security-policy"], /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'$/);
    assert.equal(headers["referrer-policy"], "no-referrer");
    assert.equal(headers["cache-control"], "no-store");
    assert.equal(await page.title(), "Choose a new password");
    assert.equal(await page.getByRole("heading", { level: 1 }).innerText(), "Choose a new password");
    await assertLabelled("password", "New password");
    await assertLabelled("password2", "Confirm new password");
    for (const id of ["password", "password2"]) assert.equal(await page.locator(`#${id}`).getAttribute("autocomplete"), "new-password");
    assert.match(await page.locator("#password-rules").innerText(), /at least 8 characters[\s\S]*at most 4096 characters/);
    // The hashed inline stylesheet applies (a blocked one would leave the card unstyled).
    assert.equal(await page.locator("main").evaluate((el) => getComputedStyle(el).borderTopLeftRadius), "12px");
    // Keyboard: the first Tab reaches the new-password field, with a visible focus outline.
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "password");
    const outline = await page.locator("#password").evaluate((el) => {
      const s = getComputedStyle(el);
      return `${s.outlineStyle} ${s.outlineWidth}`;
    });
    assert.equal(outline, "solid 3px");
    await page.screenshot({ path: join(ARTIFACTS, "reset-page-1-form.png"), fullPage: true });
  });

  await check("a weak password shows its error beside the field (aria-invalid, described, focused)", async () => {
    await page.locator("#password").fill("password");
    await page.locator("#password2").fill("password");
    const res = await submit();
    assert.equal(res.status(), 400);
    assert.equal(await page.title(), "Error: Choose a new password");
    const field = page.locator("#password");
    assert.equal(await field.getAttribute("aria-invalid"), "true");
    const describedBy = (await field.getAttribute("aria-describedby")).split(" ");
    assert.ok(describedBy.includes("password-error"), `aria-describedby=${describedBy}`);
    const error = page.locator("#password-error");
    assert.match(await error.innerText(), /This password is too common\./);
    // Beside the field: in the same field group, just above the input.
    assert.equal(await error.evaluate((el) => el.parentElement === document.getElementById("password").parentElement), true);
    const [errorBox, inputBox] = [await error.boundingBox(), await field.boundingBox()];
    assert.ok(errorBox.y < inputBox.y && inputBox.y - (errorBox.y + errorBox.height) < 40, "error right above the input");
    assert.equal(await page.locator("#password2").getAttribute("aria-invalid"), null);
    assert.match(await page.getByRole("alert").innerText(), /There is a problem[\s\S]*This password is too common\./);
    assert.equal(await page.evaluate(() => document.activeElement?.id), "password", "focus on the first invalid field, without script");
    await assertLabelled("password", "New password");
    await page.screenshot({ path: join(ARTIFACTS, "reset-page-2-weak-password.png"), fullPage: true });
    // The same state on a phone-sized screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(ARTIFACTS, "reset-page-2-weak-password-mobile.png"), fullPage: true });
    await page.setViewportSize({ width: 1024, height: 900 });
  });

  await check("a good password shows success, and the API signs in with it", async () => {
    await page.locator("#password").fill(NEW_PASSWORD);
    await page.locator("#password2").fill(NEW_PASSWORD);
    const res = await submit();
    assert.equal(res.status(), 200);
    assert.equal(await page.title(), "Password changed");
    assert.match(await page.locator("main").innerText(), new RegExp(SUCCESS.replace(/\./g, "\\.")));
    await page.screenshot({ path: join(ARTIFACTS, "reset-page-3-success.png"), fullPage: true });
    const fresh = await api("/api/user/login/", { email, password: NEW_PASSWORD });
    assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
    const stale = await api("/api/user/login/", { email, password: oldPassword });
    assert.equal(stale.status, 401);
  });

  await check("the used link shows the expired/used state", async () => {
    const res = await page.goto(link);
    assert.equal(res.status(), 400);
    assert.equal(await page.getByRole("heading", { level: 1 }).innerText(), DEAD);
    assert.match(await page.locator("main").innerText(), /request a new reset link/);
    assert.equal(await page.locator("form").count(), 0);
    assert.deepEqual(cspViolations, [], "no CSP violations on any page");
    await page.screenshot({ path: join(ARTIFACTS, "reset-page-4-used-link.png"), fullPage: true });
  });
}

const watchdog = setTimeout(() => {
  console.error(`browser test: over ${OVERALL_MS / 1000} s, giving up`);
  cleanup().finally(() => {
    console.log(`${results.filter((r) => r.ok).length} passed, ${4 - results.filter((r) => r.ok).length} failed`);
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
