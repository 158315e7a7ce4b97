import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { codeFor, enrolledUser } from "../mfa/helpers";
import { PASSKEY_VARS, addPasskey } from "../passkeys/api-helpers";
import { api, claimsOf, type ApiOptions } from "../support/api";
import { d1DelayingFirst } from "../support/faults";
import { waitForEvent } from "../support/audit";
import { installMailbox } from "../support/mailbox";
import { acme, eachTestWithAcme, callback, dance, exchange, personAt, providerLogin, type Acme } from "./http-helpers";
import { APP_REDIRECT, frontEndPkce } from "./helpers";

let p: Acme;
let mailbox: ReturnType<typeof installMailbox>;
eachTestWithAcme((provider, box) => ([p, mailbox] = [provider, box]));

const userRow = (email: string) => env.DB.prepare("SELECT id, password, email_verified, tc, name FROM users WHERE lower(email) = lower(?)").bind(email).first<any>();

describe("sign-up and sign-in with a provider", () => {
  it("creates an account without a password on the first sign-in and answers the login answer with amr [fed]", async () => {
    const who = personAt("new");
    const res = await providerLogin(p, who);
    expect(res.status).toBe(200);
    expect(res.body.msg).toBe("Login Success");
    expect(claimsOf(res.body.token.access).amr).toEqual(["fed"]);
    const row = await userRow(who.email!);
    expect(row).toMatchObject({ email_verified: 1, tc: 1, name: who.name });
    expect(row.password).toMatch(/^!/);
    const profile = await api("/api/user/profile/", { token: res.body.token.access });
    expect(profile.body.has_password).toBe(false);
    const ids = await p.call("/api/user/identities/", { token: res.body.token.access });
    expect(ids.body.results).toEqual([expect.objectContaining({ provider: "acme", email: who.email, last_login: expect.any(String) })]);
  });

  it("signs the same identity in again to the same account", async () => {
    const who = personAt("again");
    const first = await providerLogin(p, who);
    const second = await providerLogin(p, { ...who, email: "changed@example.com" }, false);
    expect(second.status).toBe(200);
    expect(claimsOf(second.body.token.access).user_id).toBe(claimsOf(first.body.token.access).user_id);
  });

  it("two first sign-ins of one identity at once (two tabs) both sign in, to one new account", async () => {
    for (let i = 0; i < 2; i++) {
      // The first identity insert waits: the other tab runs while an account exists unlinked, if ever.
      const DB = d1DelayingFirst(/insert into "identities"/i, 300);
      const tab = { ...p, call: (path: string, o: ApiOptions = {}) => p.call(path, { ...o, bindings: { DB } }) };
      const who = personAt(`tabs${i}`);
      const landings = await Promise.all([dance(tab, who, { tc: true }), dance(tab, who, { tc: true })]);
      expect(landings.map((l) => l.error)).toEqual([null, null]);
      const answers = await Promise.all(landings.map((l) => exchange(p, l.code, l.verifier)));
      expect(answers.map((a) => a.status)).toEqual([200, 200]);
      const [a, b] = answers.map((a) => claimsOf(a.body.token.access).user_id);
      expect(a).toBe(b);
      expect(await env.DB.prepare("SELECT count(*) AS n FROM users WHERE lower(email) = lower(?)").bind(who.email).first("n")).toBe(1);
    }
  });

  it("records user.registered, identity.linked and login.succeeded with method oidc and the provider", async () => {
    const who = personAt("event");
    const res = await providerLogin(p, who);
    const id = claimsOf(res.body.token.access).user_id as number;
    const [login] = await waitForEvent(id, "login.succeeded");
    expect(JSON.parse(login!.detail)).toMatchObject({ method: "oidc", provider: "acme" });
    const [registered] = await waitForEvent(id, "user.registered");
    expect(JSON.parse(registered!.detail)).toMatchObject({ method: "oidc", provider: "acme" });
    await waitForEvent(id, "identity.linked");
  });

  it("ends a sign-up without tc with ?error=terms_required and creates nothing", async () => {
    const who = personAt("notc");
    const landing = await dance(p, who);
    expect(landing.status).toBe(303);
    expect(landing.error).toBe("terms_required");
    expect(landing.code).toBeNull();
    expect(await userRow(who.email!)).toBeNull();
  });

  async function mfaAfterProvider() {
    const u = await enrolledUser();
    const who = { ...personAt("mfa") };
    // Link the provider identity to the MFA user through the link flow (recent session).
    const linked = await dance(p, who, { link: { token: u.access } });
    expect(linked.code).toBeTruthy();
    const done = await p.call("/api/user/identities/", { token: u.access, body: { code: linked.code, code_verifier: linked.verifier } });
    expect(done.status, JSON.stringify(done.body)).toBe(201);
    const res = await providerLogin(p, who, false);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ mfa_required: true, msg: "Two-factor authentication required" });
    expect(res.body.token).toBeUndefined();
    const verify = await api("/api/user/mfa/verify/", { body: { mfa_token: res.body.mfa_token, code: await codeFor(u.secret, 1) } });
    expect(verify.status, JSON.stringify(verify.body)).toBe(200);
    return verify.body.token.access as string;
  }

  it("gives an MFA user the mfa_token step after the provider; mfa/verify answers amr [fed, otp]", async () => {
    expect(claimsOf(await mfaAfterProvider()).amr).toEqual(["fed", "otp"]);
  });

  it("takes a passkey as the second step after the provider: amr [fed, hwk]", async () => {
    const u = await enrolledUser();
    const { auth, credential } = await addPasskey(u);
    const who = personAt("mfa-hwk");
    const linking = await dance(p, who, { link: { token: u.access } });
    const linked = await p.call("/api/user/identities/", { token: u.access, body: { code: linking.code, code_verifier: linking.verifier } });
    expect(linked.status, JSON.stringify(linked.body)).toBe(201);
    const first = await providerLogin(p, who, false);
    expect(first.body).toMatchObject({ mfa_required: true });
    const mfa_token = first.body.mfa_token;
    const options = await p.call("/api/user/mfa/passkey/options/", { body: { mfa_token }, vars: PASSKEY_VARS });
    expect(options.status, JSON.stringify(options.body)).toBe(200);
    const answer = await auth.get(options.body.options, credential, { flags: { uv: false }, userHandle: null });
    const res = await p.call("/api/user/mfa/verify/", { body: { mfa_token, credential: answer }, vars: PASSKEY_VARS });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(claimsOf(res.body.token.access)).toMatchObject({ user_id: u.userId, amr: ["fed", "hwk"] });
  });
});

describe("start", () => {
  it("answers the provider's authorization URL with the worker's own PKCE", async () => {
    const { challenge } = await frontEndPkce();
    const res = await p.call("/api/auth/oidc/acme/start/", { body: { redirect_uri: APP_REDIRECT, code_challenge: challenge } });
    expect(res.status).toBe(200);
    const q = new URL(res.body.authorize_url).searchParams;
    expect(q.get("redirect_uri")).toBe("https://auth.test/api/auth/oidc/acme/callback");
    expect(q.get("code_challenge")).not.toBe(challenge);
    expect(q.get("code_challenge_method")).toBe("S256");
  });

  it("refuses a redirect URL not listed exactly, and a bad challenge", async () => {
    const res = await p.call("/api/auth/oidc/acme/start/", { body: { redirect_uri: APP_REDIRECT + "/", code_challenge: "short" } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ errors: { redirect_uri: ["Redirect URL is not allowed."], code_challenge: ["Enter a valid code challenge."] } });
    const missing = await p.call("/api/auth/oidc/acme/start/", { body: {} });
    expect(missing.body.errors).toMatchObject({ redirect_uri: ["This field is required."], code_challenge: ["This field is required."] });
  });

  it("answers 404 for a provider not configured, and everywhere when OIDC_PROVIDERS is unset", async () => {
    const { challenge } = await frontEndPkce();
    const other = await p.call("/api/auth/oidc/other/start/", { body: { redirect_uri: APP_REDIRECT, code_challenge: challenge } });
    expect(other.status).toBe(404);
    const off = { OIDC_PROVIDERS: "" };
    for (const [path, o] of [
      ["/api/auth/oidc/acme/start/", { body: { redirect_uri: APP_REDIRECT, code_challenge: challenge } }],
      ["/api/auth/oidc/acme/callback?state=x", {}],
      ["/api/auth/oidc/token/", { body: { code: "x", code_verifier: "y" } }],
    ] as const) {
      const res = await p.call(path, { ...o, vars: off });
      expect(res.status, path).toBe(404);
      expect(res.body).toEqual({ errors: { detail: "Not found.", code: "not_found" } });
    }
  });

  it("answers 503 provider_unavailable when discovery fails", async () => {
    p.fake.misbehave.discovery = "unreachable";
    const { challenge } = await frontEndPkce();
    const res = await p.call("/api/auth/oidc/acme/start/", { body: { redirect_uri: APP_REDIRECT, code_challenge: challenge } });
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ errors: { detail: "Identity provider unavailable.", code: "provider_unavailable" } });
  });
});

describe("callback", () => {
  it("answers 303 with Cache-Control: no-store, and appends with & when the front end's URL has a query", async () => {
    const withQuery = "https://app.example.com/cb?from=login";
    const q = await acme({ vars: { SOCIAL_REDIRECT_URLS: `${APP_REDIRECT},${withQuery}` } });
    try {
      const { challenge } = await frontEndPkce();
      const start = await q.call("/api/auth/oidc/acme/start/", { body: { redirect_uri: withQuery, code_challenge: challenge, tc: true } });
      const params = await q.fake.authorize(start.body.authorize_url, personAt("q"));
      const res = await callback(q, params);
      expect(res.status).toBe(303);
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(res.headers.get("location")).toMatch(/^https:\/\/app\.example\.com\/cb\?from=login&code=[A-Za-z0-9_-]{43}$/);
    } finally {
      q.restore();
    }
  });

  it("takes the provider's form_post (not JSON) and redirects the same way", async () => {
    const { challenge } = await frontEndPkce();
    const start = await p.call("/api/auth/oidc/acme/start/", { body: { redirect_uri: APP_REDIRECT, code_challenge: challenge, tc: true } });
    const params = await p.fake.authorize(start.body.authorize_url, personAt("form"));
    const res = await p.call("/api/auth/oidc/acme/callback", { method: "POST", raw: params.toString(), contentType: "application/x-www-form-urlencoded" });
    expect(res.status).toBe(303);
    expect(new URL(res.headers.get("location")!).searchParams.get("code")).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("answers the 400 HTML page for an unknown state, with no redirect", async () => {
    const res = await p.call("/api/auth/oidc/acme/callback?state=nope&code=x");
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("location")).toBeNull();
    expect(res.body).toContain("This sign-in attempt is not valid or has expired.");
  });

  it("passes access_denied through and turns other provider errors into provider_error", async () => {
    for (const [sent, expected] of [
      ["access_denied", "access_denied"],
      ["server_error", "provider_error"],
    ]) {
      const { challenge } = await frontEndPkce();
      const start = await p.call("/api/auth/oidc/acme/start/", { body: { redirect_uri: APP_REDIRECT, code_challenge: challenge, tc: true } });
      const params = await p.fake.authorize(start.body.authorize_url, personAt("err"), sent);
      const res = await callback(p, params);
      expect(res.status).toBe(303);
      expect(new URL(res.headers.get("location")!).searchParams.get("error")).toBe(expected);
    }
  });

  it("answers account_disabled for a linked identity of an inactive user", async () => {
    const who = personAt("off");
    const login = await providerLogin(p, who);
    await env.DB.prepare("UPDATE users SET is_active = 0 WHERE lower(email) = lower(?)").bind(who.email).run();
    const landing = await dance(p, who);
    expect(landing.error).toBe("account_disabled");
    const [failed] = await waitForEvent(claimsOf(login.body.token.access).user_id as number, "login.failed");
    expect(JSON.parse(failed!.detail)).toEqual({ method: "oidc", provider: "acme", reason: "inactive" });
  });
});

describe("token", () => {
  it("answers 400 required for missing fields", async () => {
    const res = await exchange(p, null, undefined as unknown as string);
    expect(res.status).toBe(400);
    expect(res.body.errors).toMatchObject({ code: expect.any(Array), code_verifier: ["This field is required."] });
  });
});
