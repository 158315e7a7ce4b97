// Passwordless e-mail in a real browser (run by run.mjs on lib.mjs's shared worker and
// Chromium): a small front end served here asks for a code, the test reads the mail, and the
// user signs in once with the typed code and once through the link's page, which POSTs the
// token only on a click (mail scanners open links). The front end proxies /api/ to the
// worker, as a same-origin deployment would. Screenshots go to test-artifacts/passwordless-*.png.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { join } from "node:path";
import { ARTIFACTS, check, log, waitFor } from "./lib.mjs";

export const name = "passwordless e-mail";
export const checks = 3;

// The front end listens before the worker starts: PASSWORDLESS_URL must name it.
let workerOrigin = null;
const front = createServer(async (req, res) => {
  try {
    if (req.url.startsWith("/api/")) return await proxy(req, res);
    const link = req.url.match(/^\/sign-in\/email\/([A-Za-z0-9_-]+)\/([A-Za-z0-9_-]+)\/$/);
    res.writeHead(link || req.url === "/" ? 200 : 404, { "content-type": "text/html; charset=utf-8" });
    res.end(link ? LINK_PAGE : req.url === "/" ? CODE_PAGE : "not found");
  } catch (err) {
    res.writeHead(502).end(String(err));
  }
});
await new Promise((resolve) => front.listen(0, "127.0.0.1", resolve));
front.unref();
const frontOrigin = `http://127.0.0.1:${front.address().port}`;

export const vars = { PASSWORDLESS: "login", PASSWORDLESS_URL: `${frontOrigin}/sign-in/email` };

async function proxy(req, res) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const upstream = await fetch(workerOrigin + req.url, { method: req.method, headers: { "content-type": req.headers["content-type"] ?? "application/json" }, body: req.method === "POST" ? Buffer.concat(chunks) : undefined });
  res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" });
  res.end(Buffer.from(await upstream.arrayBuffer()));
}

// What docs/passwordless.md shows: POST the answer, show the login answer or its error.
const SHARED = `
async function post(path, body) {
  const res = await fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}
function show(r) {
  const out = document.getElementById("result");
  if (r.status === 200 && r.body.token) {
    const claims = JSON.parse(atob(r.body.token.access.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
    out.textContent = "Signed in (amr " + claims.amr.join(",") + ")";
  } else if (r.status === 200 && r.body.mfa_required) out.textContent = "Second step needed";
  else out.textContent = "Error: " + Object.values(r.body.errors).flat().join(" ");
}`;
const CODE_PAGE = `<!doctype html><html><head><title>Sign in</title></head><body><main>
<h1>Sign in by e-mail</h1>
<form id="start"><label>Email address <input id="email" type="email" required></label><button>Send me a code</button></form>
<form id="verify" hidden><label>Code <input id="code" inputmode="numeric" autocomplete="one-time-code" required></label><button>Sign in</button></form>
<p id="result" role="status"></p>
<script>${SHARED}
let challenge = null;
document.getElementById("start").addEventListener("submit", async (e) => {
  e.preventDefault();
  const r = await post("/api/auth/email/start/", { email: document.getElementById("email").value });
  challenge = r.body.challenge_id;
  document.getElementById("result").textContent = r.body.msg;
  document.getElementById("verify").hidden = false;
});
document.getElementById("verify").addEventListener("submit", async (e) => {
  e.preventDefault();
  show(await post("/api/auth/email/verify/", { challenge_id: challenge, code: document.getElementById("code").value.trim() }));
});
</script></main></body></html>`;
const LINK_PAGE = `<!doctype html><html><head><title>Sign in</title></head><body><main>
<h1>Sign in by e-mail</h1>
<p>Opening this page does nothing by itself:</p>
<button id="go">Sign in</button>
<p id="result" role="status"></p>
<script>${SHARED}
const [, , , id, token] = location.pathname.split("/");
document.getElementById("go").addEventListener("click", async () => show(await post("/api/auth/email/verify/", { challenge_id: id, token })));
</script></main></body></html>`;

/** @param {Awaited<ReturnType<typeof import("./lib.mjs").start>>} h */
export async function run(h) {
  workerOrigin = h.origin;
  const { api, mailsTo } = h;
  const email = `passwordless.${Date.now().toString(36)}@example.com`;
  const password = "Quiet-Lantern-4417";
  assert.equal((await api("/api/user/register/", { email, name: "Browser Tester", password, password2: password, tc: true })).status, 201);
  const context = await h.browser.newContext({ viewport: { width: 900, height: 700 } });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const shot = (n) => page.screenshot({ path: join(ARTIFACTS, `passwordless-${n}.png`), fullPage: true });
  const result = () => page.locator("#result").innerText();
  const mailNumber = (n) => waitFor(`sign-in mail ${n}`, () => mailsTo(email).filter((m) => /sign-in code/i.test(m.subject))[n - 1], 10_000, 100);
  const read = (mail) => {
    const link = mail.text.match(new RegExp(`${vars.PASSWORDLESS_URL}/[A-Za-z0-9_-]+/[A-Za-z0-9_-]+/`));
    assert.ok(link, `no link in the mail:\n${mail.text}`);
    const code = mail.text.replace(link[0], "").match(/(?<!\d)\d{8}(?!\d)/);
    assert.ok(code, "no 8-digit code in the mail");
    return { link: link[0], code: code[0] };
  };

  try {
    await check("the front end asks for a code; the typed code from the mail signs in (amr email)", async () => {
      await page.goto(`${frontOrigin}/`);
      await page.getByLabel("Email address").fill(email);
      await page.getByRole("button", { name: "Send me a code" }).click();
      await page.getByText("Sign-in code send. Please check your Email").waitFor();
      const { code } = read(await mailNumber(1));
      log("code received");
      await page.getByLabel("Code").fill(code);
      await shot("1-code");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByText(/^Signed in/).waitFor();
      assert.equal(await result(), "Signed in (amr email)");
      await shot("2-signed-in");
    });

    let link = null;
    await check("the link's page: opening it (twice) spends nothing; its button signs in", async () => {
      assert.equal((await api("/api/auth/email/start/", { email })).status, 200);
      link = read(await mailNumber(2)).link;
      for (let i = 0; i < 2; i++) assert.equal((await page.goto(link)).status(), 200);
      assert.equal(await result(), "");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByText(/^Signed in/).waitFor();
      assert.equal(await result(), "Signed in (amr email)");
      await shot("3-link-signed-in");
    });

    await check("the used link is refused on a second click", async () => {
      assert.ok(link, "needs the previous check's link");
      await page.goto(link);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByText(/^Error/).waitFor();
      assert.equal(await result(), "Error: Token is not Valid or Expired");
      await shot("4-link-used");
    });
  } finally {
    await context.close().catch(() => {}); // the browser may have ended with its last page
    front.close();
  }
}
