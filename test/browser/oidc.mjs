// Sign-in with a provider in a real browser (run by run.mjs, on lib.mjs's shared worker and
// Chromium): the whole redirect dance. A small front end, served by this suite on
// http://localhost, makes its PKCE pair, calls start, follows the provider's redirect to the fake
// provider (test/support/fake-oidc-server.mjs, whose /authorize consents at once), comes back
// through the worker's callback with ?code=, exchanges it with its verifier and shows the tokens:
// the front-end example of docs/sign-in-with-a-provider.md. The page's server passes /api/* on to
// the worker, so the page and the API share one origin (no CORS setting needed).
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { startFakeOidcServer } from "../support/fake-oidc-server.mjs";
import { check, log } from "./lib.mjs";

export const name = "sign-in with a provider";
export const checks = 2;

// Both ports are known now: the worker's settings name the provider's issuer and the page's URL.
const provider = await startFakeOidcServer({ clientId: "browser-client", clientSecret: "browser-secret-0123456789" });
provider.server.unref();
const port = await new Promise((resolve, reject) => {
  const s = createServer();
  s.once("error", reject);
  s.listen(0, "127.0.0.1", () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});
const pageOrigin = `http://localhost:${port}`;
export const vars = {
  OIDC_PROVIDERS: "fake",
  OIDC_FAKE_ISSUER: provider.origin,
  OIDC_FAKE_CLIENT_ID: "browser-client",
  OIDC_FAKE_CLIENT_SECRET: "browser-secret-0123456789",
  SOCIAL_REDIRECT_URLS: `${pageOrigin}/cb`,
};

// The docs' example, as the page runs it: "/" starts, "/cb" exchanges the code.
const PAGE = `<!doctype html><meta charset="utf-8"><title>provider sign-in</title><pre id="result"></pre><script>
const b64url = (b) => btoa(String.fromCharCode(...new Uint8Array(b))).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
const post = (path, body) => fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: await r.json() }));
async function signInWith(provider) {
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  sessionStorage.setItem("pkce", verifier);
  const challenge = b64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  const res = await post("/api/auth/oidc/" + provider + "/start/", { redirect_uri: location.origin + "/cb", code_challenge: challenge, tc: true });
  location.assign(res.body.authorize_url);
}
async function landed() {
  const q = new URLSearchParams(location.search);
  const seen = location.href;
  history.replaceState(null, "", "/cb");
  const res = q.get("code") ? await post("/api/auth/oidc/token/", { code: q.get("code"), code_verifier: sessionStorage.getItem("pkce") }) : { status: 0, body: { error: q.get("error") } };
  document.getElementById("result").textContent = JSON.stringify({ seen, ...res });
}
if (location.pathname === "/cb") landed(); else signInWith("fake");
</script>`;

/** The page, and /api/* passed on to the worker. */
function startPageServer(workerOrigin) {
  const server = createServer(async (req, res) => {
    try {
      if (!req.url.startsWith("/api/")) return void res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(PAGE);
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      const headers = {};
      for (const h of ["content-type", "authorization"]) if (req.headers[h]) headers[h] = req.headers[h];
      const upstream = await fetch(workerOrigin + req.url, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined, redirect: "manual", signal: AbortSignal.timeout(10_000) });
      res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" }).end(Buffer.from(await upstream.arrayBuffer()));
    } catch (err) {
      res.writeHead(502, { "content-type": "text/plain" }).end(String(err));
    }
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

const claimsOf = (jwt) => JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString());

/** @param {Awaited<ReturnType<typeof import("./lib.mjs").start>>} h */
export async function run(h) {
  const pageServer = await startPageServer(h.origin);
  const context = await h.browser.newContext();
  try {
    const signIn = async () => {
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      const visited = [];
      page.on("framenavigated", (f) => f === page.mainFrame() && visited.push(f.url()));
      await page.goto(`${pageOrigin}/`);
      await page.waitForFunction(() => document.getElementById("result")?.textContent);
      const result = JSON.parse(await page.locator("#result").textContent());
      await page.close();
      return { result, visited };
    };
    const who = { sub: `browser-${Date.now()}`, email: `oidc.browser.${Date.now()}@example.com`, email_verified: true, name: "Browser Person" };
    provider.oidc.nextUser = who;
    let first;

    await check("the redirect dance signs up: start, the provider, the worker's callback, ?code= exchanged for tokens with amr [fed]", async () => {
      first = await signIn();
      const { result, visited } = first;
      assert.equal(result.status, 200, JSON.stringify(result));
      assert.equal(result.body.msg, "Login Success");
      assert.deepEqual(claimsOf(result.body.token.access).amr, ["fed"]);
      const landedAt = new URL(result.seen);
      assert.equal(landedAt.origin + landedAt.pathname, `${pageOrigin}/cb`);
      assert.deepEqual([...landedAt.searchParams.keys()], ["code"], "only the one-time code comes back in the URL");
      assert.ok(visited.some((u) => u.startsWith(provider.origin)) || provider.oidc.calls.authorize > 0, "the browser went to the provider");
      for (const u of visited) assert.ok(!u.includes(result.body.token.access) && !u.includes("eyJ"), `no token in a URL: ${u}`);
      log(`signed up as user ${claimsOf(result.body.token.access).user_id} through ${visited.length} navigations`);
    });

    await check("the same identity signs in again to the same account", async () => {
      const again = await signIn();
      assert.equal(again.result.status, 200, JSON.stringify(again.result));
      assert.equal(claimsOf(again.result.body.token.access).user_id, claimsOf(first.result.body.token.access).user_id);
    });
  } finally {
    await context.close().catch(() => {}); // the browser may have ended with its last page
    pageServer.close();
    void provider.close();
  }
}
