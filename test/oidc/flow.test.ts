import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/kernel/crypto";
import { completeCallback, startAttempt } from "../../src/features/oidc/service";
import { AppError } from "../../src/kernel/errors";
import { routeFetch } from "../support/fake-oidc-fetch";
import { alice, APP_REDIRECT, db, frontEndPkce, oidcProvider, signInWith } from "./helpers";

let route: { restore(): void } | undefined;
afterEach(() => route?.restore());

describe("a good sign-in", () => {
  for (const alg of ["RS256", "ES256", "EdDSA", "PS256"] as const) {
    it(`verifies an ${alg} id_token and answers the identity`, async () => {
      const { fake, settings, provider } = await oidcProvider({ alg });
      route = routeFetch(fake);
      const { result } = await signInWith(fake, settings, provider, alice, { tc: true });
      expect(result).toMatchObject({
        kind: "identity",
        provider: "acme",
        sub: "alice-sub",
        email: "alice@example.com",
        emailVerified: true,
        name: "Alice",
        attempt: { provider: "acme", redirectUri: APP_REDIRECT, tc: true, linkUserId: null },
      });
      expect(fake.calls.jwks).toBe(1);
      expect(fake.calls.userinfo).toBe(0);
    });
  }

  it("sends an authorization URL with the worker's own PKCE, state and nonce, never the front end's challenge", async () => {
    const { fake, settings, provider } = await oidcProvider();
    route = routeFetch(fake);
    const { challenge } = await frontEndPkce();
    const { authorizeUrl } = await startAttempt(db, settings, provider, { redirectUri: APP_REDIRECT, codeChallenge: challenge });
    const url = new URL(authorizeUrl);
    expect(url.origin + url.pathname).toBe(`${fake.issuer}/authorize`);
    const q = url.searchParams;
    expect(q.get("response_type")).toBe("code");
    expect(q.get("client_id")).toBe(fake.clientId);
    expect(q.get("redirect_uri")).toBe("https://auth.example.com/api/auth/oidc/acme/callback");
    expect(q.get("scope")).toBe("openid email profile");
    expect(q.get("code_challenge_method")).toBe("S256");
    expect(q.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get("code_challenge")).not.toBe(challenge);
    expect(q.get("state")!.length).toBeGreaterThan(20);
    expect(q.get("nonce")!.length).toBeGreaterThan(20);
    expect(q.has("response_mode")).toBe(false);
    // Kept 10 minutes, by the state's hash only.
    const row = await env.DB.prepare("select expires_at - created_at as ttl from oidc_attempts where state_hash = ?").bind(sha256Hex(q.get("state")!)).first<{ ttl: number }>();
    expect(row?.ttl).toBe(10 * 60 * 1000);
    expect(await env.DB.prepare("select count(*) as n from oidc_attempts where state_hash = ?").bind(q.get("state")).first("n")).toBe(0);
  });

  it("asks for form_post when configured", async () => {
    const { fake, settings, provider } = await oidcProvider({ vars: { OIDC_ACME_RESPONSE_MODE: "form_post" } });
    route = routeFetch(fake);
    const { challenge } = await frontEndPkce();
    const { authorizeUrl } = await startAttempt(db, settings, provider, { redirectUri: APP_REDIRECT, codeChallenge: challenge });
    expect(new URL(authorizeUrl).searchParams.get("response_mode")).toBe("form_post");
  });

  it("uses client_secret_basic by default and client_secret_post when the provider offers only that", async () => {
    const basic = await oidcProvider();
    route = routeFetch(basic.fake);
    expect((await signInWith(basic.fake, basic.settings, basic.provider, alice)).result.kind).toBe("identity");
    expect(basic.fake.lastClientAuth).toBe("basic");
    route.restore();
    const post = await oidcProvider({ authMethods: ["client_secret_post"] });
    route = routeFetch(post.fake);
    expect((await signInWith(post.fake, post.settings, post.provider, alice)).result.kind).toBe("identity");
    expect(post.fake.lastClientAuth).toBe("post");
  });

  it("fills claims missing from the id_token from userinfo", async () => {
    const { fake, settings, provider } = await oidcProvider();
    route = routeFetch(fake);
    fake.misbehave.omit = ["email", "email_verified", "name"];
    const { result } = await signInWith(fake, settings, provider, alice);
    expect(result).toMatchObject({ kind: "identity", email: "alice@example.com", emailVerified: true, name: "Alice" });
    expect(fake.calls.userinfo).toBe(1);
  });

  it("refuses userinfo of another subject", async () => {
    const { fake, settings, provider } = await oidcProvider();
    route = routeFetch(fake);
    fake.misbehave.omit = ["email"];
    fake.misbehave.userinfoSub = "mallory-sub";
    const { result } = await signInWith(fake, settings, provider, alice);
    expect(result).toMatchObject({ kind: "error", code: "invalid_id_token" });
  });

  it("treats a missing email_verified as false, or as true with TRUST_EMAIL; an explicit false stays false", async () => {
    const plain = await oidcProvider();
    route = routeFetch(plain.fake);
    const noClaim = { sub: "entra-1", email: "e@example.com", name: "E" };
    expect((await signInWith(plain.fake, plain.settings, plain.provider, noClaim)).result).toMatchObject({ kind: "identity", emailVerified: false });
    route.restore();
    const trusting = await oidcProvider({ vars: { OIDC_ACME_TRUST_EMAIL: "true" } });
    route = routeFetch(trusting.fake);
    expect((await signInWith(trusting.fake, trusting.settings, trusting.provider, noClaim)).result).toMatchObject({ kind: "identity", emailVerified: true });
    expect((await signInWith(trusting.fake, trusting.settings, trusting.provider, { ...noClaim, email_verified: false })).result).toMatchObject({ kind: "identity", emailVerified: false });
  });

  it("strips control characters from the name and cuts it at 200", async () => {
    const { fake, settings, provider } = await oidcProvider();
    route = routeFetch(fake);
    const { result } = await signInWith(fake, settings, provider, { ...alice, name: `Al\u0000i\nce${"x".repeat(300)}` });
    expect(result.kind === "identity" && result.name).toBe(`Alice${"x".repeat(195)}`);
  });
});

describe("start refuses", () => {
  it("a redirect URL not in SOCIAL_REDIRECT_URLS (compared exactly) and a malformed challenge, together", async () => {
    const { fake, settings, provider } = await oidcProvider();
    route = routeFetch(fake);
    const err = await startAttempt(db, settings, provider, { redirectUri: `${APP_REDIRECT}/`, codeChallenge: "short" }).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err.status).toBe(400);
    expect(err.body).toEqual({ redirect_uri: ["Redirect URL is not allowed."], code_challenge: ["Enter a valid code challenge."] });
    expect(fake.calls.discovery).toBe(0);
  });

  it("with 503 provider_unavailable when discovery fails, is unreachable, or names another issuer", async () => {
    for (const failure of ["500", "unreachable", "wrong_issuer"] as const) {
      const { fake, settings, provider } = await oidcProvider();
      route = routeFetch(fake);
      fake.misbehave.discovery = failure;
      const { challenge } = await frontEndPkce();
      const err = await startAttempt(db, settings, provider, { redirectUri: APP_REDIRECT, codeChallenge: challenge }).catch((e) => e);
      expect(err).toBeInstanceOf(AppError);
      expect(err.status).toBe(503);
      expect(err.body).toEqual({ detail: "Identity provider unavailable.", code: "provider_unavailable" });
      route.restore();
    }
  });

  it("caches discovery: a second start does not fetch the document again", async () => {
    const { fake, settings, provider } = await oidcProvider();
    route = routeFetch(fake);
    const { challenge } = await frontEndPkce();
    await startAttempt(db, settings, provider, { redirectUri: APP_REDIRECT, codeChallenge: challenge });
    await startAttempt(db, settings, provider, { redirectUri: APP_REDIRECT, codeChallenge: challenge });
    expect(fake.calls.discovery).toBe(1);
  });
});

describe("the callback's state", () => {
  it("is single use: a replayed state is invalid_state, and so is a state of another provider or none", async () => {
    const { fake, settings, provider } = await oidcProvider();
    route = routeFetch(fake);
    const { result, params } = await signInWith(fake, settings, provider, alice);
    expect(result.kind).toBe("identity");
    expect(await completeCallback(db, settings, "acme", params)).toEqual({ kind: "invalid_state" });
    expect(await completeCallback(db, settings, "acme", new URLSearchParams({ code: "x" }))).toEqual({ kind: "invalid_state" });
    const { challenge } = await frontEndPkce();
    const { authorizeUrl } = await startAttempt(db, settings, provider, { redirectUri: APP_REDIRECT, codeChallenge: challenge });
    const other = await fake.authorize(authorizeUrl, alice);
    expect(await completeCallback(db, settings, "other", other)).toEqual({ kind: "invalid_state" });
    // ... and that use spent it for its own provider too.
    expect(await completeCallback(db, settings, "acme", other)).toEqual({ kind: "invalid_state" });
  });

  it("of two concurrent callbacks with one state, exactly one proceeds", async () => {
    const { fake, settings, provider } = await oidcProvider();
    route = routeFetch(fake);
    const { challenge } = await frontEndPkce();
    const { authorizeUrl } = await startAttempt(db, settings, provider, { redirectUri: APP_REDIRECT, codeChallenge: challenge });
    const params = await fake.authorize(authorizeUrl, alice);
    const results = await Promise.all([completeCallback(db, settings, "acme", params), completeCallback(db, settings, "acme", params)]);
    expect(results.map((r) => r.kind).sort()).toEqual(["identity", "invalid_state"]);
  });

  it("expires after 10 minutes", async () => {
    const { fake, settings, provider } = await oidcProvider();
    route = routeFetch(fake);
    const { challenge } = await frontEndPkce();
    const { authorizeUrl } = await startAttempt(db, settings, provider, { redirectUri: APP_REDIRECT, codeChallenge: challenge });
    const params = await fake.authorize(authorizeUrl, alice);
    expect(await completeCallback(db, settings, "acme", params, Date.now() + 10 * 60 * 1000 + 1)).toEqual({ kind: "invalid_state" });
  });
});
