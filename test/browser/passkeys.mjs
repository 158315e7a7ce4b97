// Passkeys in a real browser (run by run.mjs, on lib.mjs's shared worker and Chromium): a small
// page, served by this suite on http://localhost (an IP address is not a valid RP ID), registers
// a passkey and signs in with it through the worker's routes, with the Level 3 JSON methods
// (parse*OptionsFromJSON, toJSON) and no library: the front-end example of docs/passkeys.md.
// The authenticator is Chromium's virtual one (DevTools Protocol, WebAuthn domain): internal
// transport, resident keys, user verification. The page's server passes /api/* on to the
// worker, so the page and the API share one origin (no CORS setting needed).
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { check, log, waitFor } from "./lib.mjs";

export const name = "passkeys";
export const checks = 3;

// The port is chosen now: the worker's WEBAUTHN_ORIGINS names the page's origin.
const port = await new Promise((resolve, reject) => {
  const s = createServer();
  s.once("error", reject);
  s.listen(0, "127.0.0.1", () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});
const pageOrigin = `http://localhost:${port}`;
export const vars = { WEBAUTHN_RP_ID: "localhost", WEBAUTHN_ORIGINS: pageOrigin };

// The docs' example, as the page runs it.
const PAGE = `<!doctype html><meta charset="utf-8"><title>passkeys</title><script>
const post = (path, body, access) =>
  fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json", ...(access ? { authorization: "Bearer " + access } : {}) },
    body: JSON.stringify(body),
  }).then(async (res) => ({ status: res.status, body: await res.json() }));

async function registerPasskey(access) {
  const { body } = await post("/api/user/passkeys/register/options/", {}, access);
  const credential = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(body.options) });
  return post("/api/user/passkeys/register/", { credential: credential.toJSON(), name: "This browser" }, access);
}

async function signInWithPasskey() {
  const { body } = await post("/api/auth/passkey/options/", {});
  const credential = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(body.options) });
  return post("/api/auth/passkey/verify/", { credential: credential.toJSON() });
}
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
      const upstream = await fetch(workerOrigin + req.url, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined, signal: AbortSignal.timeout(10_000) });
      res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" }).end(Buffer.from(await upstream.arrayBuffer()));
    } catch (err) {
      res.writeHead(502).end(String(err));
    }
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

const claimsOf = (jwt) => JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString());

/** @param {Awaited<ReturnType<typeof import("./lib.mjs").start>>} h */
export async function run(h) {
  const { origin, api, mailsTo, linkIn, browser } = h;
  const server = await startPageServer(origin);
  const context = await browser.newContext();
  try {
    // An account, signed in with its password (its address verified first when the shared worker asks for it).
    const email = `passkey.${Date.now().toString(36)}@example.com`;
    const password = "Quartz-Meadow-6120";
    const reg = await api("/api/user/register/", { email, name: "Passkey Tester", password, password2: password, tc: true });
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
    if (reg.body.verification_required) {
      const { pathname } = new URL(linkIn(await waitFor("the verification mail", () => mailsTo(email)[0], 10_000, 100), "verify-email"));
      assert.equal((await api(`/api/user${pathname}`.replace(/\/$/, ""), {})).status, 200);
    }
    const login = await api("/api/user/login/", { email, password });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    const access = login.body.token.access;

    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${pageOrigin}/`);
    const cdp = await context.newCDPSession(page);
    await cdp.send("WebAuthn.enable");
    const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
    });
    let registered;

    await check("a page on http://localhost registers a passkey with Chromium's virtual authenticator", async () => {
      const res = await page.evaluate((token) => registerPasskey(token), access);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.name, "This browser");
      assert.deepEqual(res.body.transports, ["internal"]);
      const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
      assert.equal(credentials.length, 1);
      assert.equal(credentials[0].isResidentCredential, true);
      assert.equal(Buffer.from(credentials[0].credentialId, "base64").toString("base64url"), res.body.credential_id);
      registered = res.body;
      log(`passkey ${registered.id} registered (credential ${registered.credential_id.slice(0, 12)}…)`);
    });

    await check("the page signs in with it (discoverable, UV): the login answer, amr ['hwk']", async () => {
      assert.ok(registered, "no passkey registered");
      const res = await page.evaluate(() => signInWithPasskey());
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.msg, "Login Success");
      const claims = claimsOf(res.body.token.access);
      assert.deepEqual(claims.amr, ["hwk"]);
      assert.equal(claims.user_id, claimsOf(access).user_id);
    });

    await check("the passkey is listed as used, and the account got the security notice", async () => {
      const res = await fetch(`${origin}/api/user/passkeys/`, { headers: { authorization: `Bearer ${access}` } });
      const { results } = await res.json();
      assert.equal(results.length, 1);
      assert.ok(results[0].last_used_at, "last_used_at should be set by the sign-in");
      await waitFor("the security notice", () => mailsTo(email).find((m) => /passkey/i.test(m.subject)), 10_000, 100);
    });
  } finally {
    await context.close().catch(() => {});
    await new Promise((r) => server.close(() => r()));
  }
}
