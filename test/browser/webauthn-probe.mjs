// A probe, not yet a suite (not in run.mjs): does Chromium's virtual authenticator (DevTools
// Protocol, WebAuthn domain) make passkeys here? It serves a blank page on http://localhost
// (an IP address is not a valid RP ID), adds an internal, resident-key, user-verifying
// authenticator, registers a passkey and signs in with it through the Level 3 JSON methods
// (parse*OptionsFromJSON, toJSON), and prints both ceremonies. `--out <file>` also writes
// them as JSON, which test/passkeys/chromium.test.ts verifies with the worker's own checks.
//   node test/browser/webauthn-probe.mjs [--out test/fixtures/chromium-webauthn.json]
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import sparticuz from "@sparticuz/chromium";
import { chromium } from "playwright-core";

const b64u = (buf) => Buffer.from(buf).toString("base64url");
const out = process.argv.includes("--out") ? process.argv[process.argv.indexOf("--out") + 1] : null;

const server = createServer((_, res) => res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>webauthn probe</title>"));
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const origin = `http://localhost:${server.address().port}`;

const browser = await chromium.launch({
  executablePath: await sparticuz.executablePath(),
  headless: true,
  args: [...sparticuz.args.filter((a) => !["--disable-web-security", "--allow-running-insecure-content"].includes(a)), "--no-first-run"],
  timeout: 20_000,
});
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${origin}/`);
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable");

  // One fresh authenticator per algorithm: the worker's full list (Chromium picks EdDSA, the
  // first), then ES256 alone and RS256 alone, so each key type's real encoding is seen.
  const ceremonies = [];
  for (const algs of [[-8, -7, -257], [-7], [-257]]) {
    const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
    });
    // The shapes the worker answers (src/features/passkeys/options.ts).
    const creation = {
      rp: { id: "localhost", name: "edge-auth" },
      user: { id: b64u(randomBytes(32)), name: "probe@example.com", displayName: "Probe" },
      challenge: b64u(randomBytes(32)),
      pubKeyCredParams: algs.map((alg) => ({ type: "public-key", alg })),
      timeout: 300000,
      excludeCredentials: [],
      authenticatorSelection: { residentKey: "required", requireResidentKey: true, userVerification: "required" },
      attestation: "none",
    };
    const registration = await page.evaluate(async (options) => {
      const credential = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) });
      return credential.toJSON();
    }, creation);
    const request = { challenge: b64u(randomBytes(32)), timeout: 300000, rpId: "localhost", allowCredentials: [], userVerification: "required" };
    const authentication = await page.evaluate(async (options) => {
      const credential = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
      return credential.toJSON();
    }, request);
    const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
    await cdp.send("WebAuthn.removeVirtualAuthenticator", { authenticatorId });
    ceremonies.push({
      registration: { options: creation, credential: registration },
      authentication: { options: request, credential: authentication },
      stored: credentials.map((c) => ({ isResidentCredential: c.isResidentCredential, signCount: c.signCount })),
    });
  }
  const result = { browser: browser.version(), origin, ceremonies };
  console.log(JSON.stringify(result, null, 2));
  if (out) writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await browser.close();
  server.close();
}
