// The OIDC scenario: the fake provider (test/support/fake-oidc-server.mjs) on 127.0.0.1, started
// before Miniflare because its URL is the issuer setting, and the request maker run by
// load-child.mjs. Each sign-in is three requests to the worker: start, the provider's redirect
// to the callback (discovery cached; the code exchange, JWKS-checked RS256 id_token), and the
// app-code exchange at /api/auth/oidc/token/ (the login answer). The provider's authorize step
// is fetched from the fake directly (it consents at once), off the measured connection.
// One identity signs in again and again: after the first sign-up, every iteration is a sign-in.
import { createHash, randomBytes } from "node:crypto";

const REDIRECT = "http://localhost:8787/cb";

/** Starts the fake provider; the vars that turn provider sign-in on for the bench. */
export async function startBenchProvider() {
  const { startFakeOidcServer } = await import("../../../test/support/fake-oidc-server.mjs");
  const s = await startFakeOidcServer({ clientId: "bench-client", clientSecret: "bench-secret-0123456789" });
  s.server.unref();
  s.oidc.nextUser = { sub: "bench-user", email: "oidc-bench@example.com", email_verified: true, name: "Bench" };
  return {
    OIDC_PROVIDERS: "bench",
    OIDC_BENCH_ISSUER: s.origin,
    OIDC_BENCH_CLIENT_ID: "bench-client",
    OIDC_BENCH_CLIENT_SECRET: "bench-secret-0123456789",
    SOCIAL_REDIRECT_URLS: REDIRECT,
    PUBLIC_URL: "http://localhost:8787",
  };
}

const b64url = (b) => Buffer.from(b).toString("base64url");

/** @returns autocannon `requests`: each slot sends whatever step is ready (token, callback), else a new start. */
export function oidcRequests(spec, tally, record) {
  const json = { "content-type": "application/json", accept: "application/json" };
  const callbacks = [];
  const tokens = [];
  let ip = 0;
  tally.starts = tally.callbacks = tally.exchanges = tally.authorizeFailed = 0;
  // The callback's success is a 303 (autocannon counts it as non-2xx): record() judges every answer.
  tally.ownVerdict = true;
  const clientIp = () => `10.${(ip >> 16) & 255}.${(ip >> 8) & 255}.${ip++ & 255}`;

  async function consent(authorizeUrl, verifier) {
    const res = await fetch(authorizeUrl, { redirect: "manual" }).catch(() => null);
    const location = res?.headers.get("location");
    if (!location) return void tally.authorizeFailed++;
    const url = new URL(location);
    callbacks.push({ path: `${url.pathname}${url.search}`, verifier });
  }

  const next = (req, context) => {
    req.headers = { ...json, "cf-connecting-ip": clientIp() };
    const t = tokens.shift();
    if (t) {
      context.kind = "token";
      return Object.assign(req, { method: "POST", path: "/api/auth/oidc/token/", body: JSON.stringify({ code: t.code, code_verifier: t.verifier }) });
    }
    const cb = callbacks.shift();
    if (cb) {
      context.kind = "callback";
      context.verifier = cb.verifier;
      return Object.assign(req, { method: "GET", path: cb.path, body: undefined });
    }
    const verifier = b64url(randomBytes(32));
    context.kind = "start";
    context.verifier = verifier;
    const challenge = b64url(createHash("sha256").update(verifier).digest());
    return Object.assign(req, { method: "POST", path: spec.path, body: JSON.stringify({ redirect_uri: REDIRECT, code_challenge: challenge, tc: true }) });
  };

  const onResponse = (status, body, context, headers) => {
    if (context.kind === "start") {
      tally.starts++;
      if (status === 200) consent(JSON.parse(body).authorize_url, context.verifier);
      return record(status, body);
    }
    if (context.kind === "callback") {
      tally.callbacks++;
      const location = headers?.location ?? headers?.Location;
      const code = status === 303 && location ? new URL(location).searchParams.get("code") : null;
      if (code) tokens.push({ code, verifier: context.verifier });
      // A 303 with a code is the callback's success.
      return record(code ? 200 : status, code ? "" : `${status} ${location ?? body}`);
    }
    tally.exchanges++;
    record(status, body);
  };

  // Two slots, not one: autocannon clears the per-connection context after a one-request list.
  const slot = { method: "POST", path: spec.path, setupRequest: next, onResponse };
  return [slot, { ...slot }];
}
