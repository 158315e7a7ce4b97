import { startBenchProvider } from "./scenarios/oidc.mjs";
// Scenarios for the sign-in capabilities that land in wave 2 (passkeys, OIDC, passwordless
// e-mail). Each one is in bench/budgets.json already; bench/run.mjs probes its first route
// and, while that answers 404 (route not there, or the capability off), prints a SKIPPED
// notice and reports no number for it: a skipped scenario never counts as passing.
//
// To finish one in wave 2: fill `prepare` (whatever the load needs, e.g. a software
// authenticator's keys or a fake provider, made on the host) and add its `kind` to
// bench/lib/load-child.mjs's scenarioRequests (the request maker: a sequence of autocannon
// requests per iteration, e.g. options -> verify). Nothing else in run.mjs changes.

import { preparePasskeys } from "./scenarios/passkey.mjs";

/** Vars the worker gets so these capabilities are on in the bench (ignored until they exist). */
export const PENDING_VARS = {
  WEBAUTHN_RP_ID: "localhost",
  WEBAUTHN_ORIGINS: "http://localhost:8787",
  // signup: the scenario starts for fresh addresses (5 starts per address per 15 min), which get mail only under signup.
  PASSWORDLESS: "signup",
  PASSWORDLESS_URL: "http://localhost:8787/passwordless",
  // The fake provider listens before Miniflare starts: its URL is the issuer (bench/lib/scenarios/oidc.mjs).
  ...(await startBenchProvider()),
};

/**
 * `probe`: the first request of the ceremony; 404 means "not there yet". `prepare(ctx)`:
 * returns the spec.data for the load child, or null while the request maker is missing
 * (then the scenario is skipped even if the route answers).
 */
export const PENDING_SCENARIOS = [
  {
    id: "passkey",
    label: "passkey sign-in: POST /api/auth/passkey/options/ + verify/ (software authenticator)",
    kind: "passkey",
    path: "/api/auth/passkey/options/",
    probe: { method: "POST", path: "/api/auth/passkey/options/", body: {} },
    prepare: preparePasskeys, // bench/lib/scenarios/passkey.mjs
  },
  {
    id: "oidc",
    label: "OIDC sign-in: start + callback + code exchange (POST /api/auth/oidc/token/) against a local fake provider",
    kind: "oidc",
    path: "/api/auth/oidc/bench/start/",
    probe: { method: "POST", path: "/api/auth/oidc/bench/start/", body: { redirect_uri: "http://localhost:8787/cb", code_challenge: "x".repeat(43) } },
    // The request maker is bench/lib/scenarios/oidc.mjs: start -> (the fake consents) -> callback -> token/.
    prepare: async () => ({}),
  },
  {
    id: "passwordless",
    label: "passwordless: POST /api/auth/email/start/ + verify/ (code read from the fake mail API)",
    kind: "passwordless",
    path: "/api/auth/email/start/",
    probe: { method: "POST", path: "/api/auth/email/start/", body: { email: "probe@example.com" } },
    // The mail stand-in keeps the last code per address (GET <mail>/code?to=); the request maker
    // is bench/lib/scenarios/passwordless.mjs.
    prepare: async ({ mail }) => ({ mailBase: new URL(mail.url).origin, verifyPath: "/api/auth/email/verify/", prefix: `pwl-${Date.now().toString(36)}` }),
  },
];
