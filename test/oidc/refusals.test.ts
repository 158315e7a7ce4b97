import { afterEach, describe, expect, it, vi } from "vitest";
import { routeFetch } from "../support/fake-oidc-fetch";
import { alice, oidcProvider, signInWith } from "./helpers";

let route: { restore(): void } | undefined;
afterEach(() => {
  route?.restore();
  vi.useRealTimers();
});

async function refusedWith(misbehave: Parameters<typeof setUp>[0], code: string) {
  const { fake, settings, provider } = await setUp(misbehave);
  const { result } = await signInWith(fake, settings, provider, alice);
  expect(result).toMatchObject({ kind: "error", code });
  return fake;
}

async function setUp(misbehave: Record<string, unknown>) {
  const p = await oidcProvider();
  route = routeFetch(p.fake);
  Object.assign(p.fake.misbehave, misbehave);
  return p;
}

describe("the id_token is refused (invalid_id_token)", () => {
  it("for another audience", () => refusedWith({ claims: { aud: "someone-else" } }, "invalid_id_token"));
  it("for several audiences without azp", () => refusedWith({ claims: { aud: ["client-id", "someone-else"] } }, "invalid_id_token"));
  it("for an azp that is not the client, even with one audience", () => refusedWith({ claims: { azp: "someone-else" } }, "invalid_id_token"));
  it("for another nonce", () => refusedWith({ claims: { nonce: "not-the-attempts-nonce" } }, "invalid_id_token"));
  it("for no nonce", () => refusedWith({ claims: { nonce: undefined } }, "invalid_id_token"));
  it("for another issuer", () => refusedWith({ claims: { iss: "https://evil.test" } }, "invalid_id_token"));
  it("when expired beyond the 60 s leeway", () => refusedWith({ claims: { exp: Math.floor(Date.now() / 1000) - 61 } }, "invalid_id_token"));
  it("when issued more than 60 s in the future", () => refusedWith({ claims: { iat: Math.floor(Date.now() / 1000) + 120 } }, "invalid_id_token"));
  it("for HS256 signed with the client secret", () => refusedWith({ alg: "HS256" }, "invalid_id_token"));
  it("for alg none", () => refusedWith({ alg: "none" }, "invalid_id_token"));
  it("for a kid the JWKS does not have", () => refusedWith({ kid: "unknown-kid" }, "invalid_id_token"));

  it("accepts exp and iat within the 60 s leeway", async () => {
    const now = Math.floor(Date.now() / 1000);
    const { fake, settings, provider } = await setUp({ claims: { exp: now - 30, iat: now + 30 } });
    expect((await signInWith(fake, settings, provider, alice)).result.kind).toBe("identity");
  });

  it("for a valid signature by a key of another alg than the pinned one", async () => {
    const p = await oidcProvider({ alg: "ES256", vars: { OIDC_ACME_ID_TOKEN_ALG: "RS256" } });
    route = routeFetch(p.fake);
    expect((await signInWith(p.fake, p.settings, p.provider, alice)).result).toMatchObject({ kind: "error", code: "invalid_id_token" });
  });

  it("for a token signed by a key that is not the provider's", async () => {
    const { fake, settings, provider } = await setUp({});
    const { createFakeOidc } = await import("../support/fake-oidc");
    const impostor = await createFakeOidc({ issuer: fake.issuer });
    // The impostor signs, the real provider's JWKS answers: same kid, other key.
    fake.idToken = async (code) => {
      impostor.misbehave.kid = (await (await fake.handle(new Request(`${fake.issuer}/jwks`)))!.json<{ keys: { kid: string }[] }>()).keys[0]!.kid;
      return impostor.idToken(code);
    };
    expect((await signInWith(fake, settings, provider, alice)).result).toMatchObject({ kind: "error", code: "invalid_id_token" });
  });
});

describe("the authorization response", () => {
  it("passes access_denied through", async () => {
    const { fake, settings, provider } = await setUp({});
    const { result } = await signInWith({ authorize: (url: string) => fake.authorize(url, alice, "access_denied") }, settings, provider, alice);
    expect(result).toMatchObject({ kind: "error", code: "access_denied" });
    expect(fake.calls.token).toBe(0);
  });

  it("turns any other provider error into provider_error", async () => {
    const { fake, settings, provider } = await setUp({});
    const { result } = await signInWith({ authorize: (url: string) => fake.authorize(url, alice, "server_error") }, settings, provider, alice);
    expect(result).toMatchObject({ kind: "error", code: "provider_error" });
  });

  it("refuses an iss parameter that is not the issuer (RFC 9207 mix-up) before any code exchange", async () => {
    const fake = await refusedWith({ issParam: "https://evil.test" }, "provider_error");
    expect(fake.calls.token).toBe(0);
  });

  it("accepts a response without iss from a provider that does not send it", async () => {
    const { fake, settings, provider } = await setUp({ issParam: null });
    expect((await signInWith(fake, settings, provider, alice)).result.kind).toBe("identity");
  });
});

describe("the code exchange", () => {
  it("is provider_unavailable when the token endpoint is unreachable or fails", async () => {
    await refusedWith({ token: "unreachable" }, "provider_unavailable");
    route?.restore();
    await refusedWith({ token: "500" }, "provider_unavailable");
  });

  it("is provider_error when the provider refuses the code (here: a wrong client secret)", async () => {
    const { fake, settings } = await setUp({});
    const wrong = { ...settings.providers.get("acme")!, clientSecret: "not-the-secret" };
    const { result } = await signInWith(fake, { ...settings, providers: new Map([["acme", wrong]]) }, wrong, alice);
    expect(result).toMatchObject({ kind: "error", code: "provider_error" });
  });

  it("sends the worker's verifier: a provider that checks PKCE accepts it (and refuses without)", async () => {
    const { fake, settings, provider } = await setUp({});
    const { result } = await signInWith(
      { authorize: async (url: string) => fake.authorize(url.replace(/code_challenge=[^&]+/, "code_challenge=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), alice) },
      settings,
      provider,
      alice,
    );
    expect(result).toMatchObject({ kind: "error", code: "provider_error" });
    const token = fake.requests.find((r) => r.url.endsWith("/token"))!;
    expect(new URLSearchParams(token.body).get("code_verifier")).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe("the JWKS", () => {
  it("is cached, and fetched again once on an unknown kid, at most once a minute", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const start = Date.now();
    const { fake, settings, provider } = await setUp({});
    expect((await signInWith(fake, settings, provider, alice)).result.kind).toBe("identity");
    expect((await signInWith(fake, settings, provider, alice)).result.kind).toBe("identity");
    expect(fake.calls.jwks).toBe(1);

    await fake.rotateKey();
    // Within the minute: the unknown kid does not make the worker fetch again.
    vi.setSystemTime(start + 30_000);
    expect((await signInWith(fake, settings, provider, alice)).result).toMatchObject({ kind: "error", code: "invalid_id_token" });
    expect(fake.calls.jwks).toBe(1);

    // After it: one fetch finds the new key.
    vi.setSystemTime(start + 61_000);
    expect((await signInWith(fake, settings, provider, alice)).result.kind).toBe("identity");
    expect(fake.calls.jwks).toBe(2);

    // A token with a kid nobody has, right after: no fetch storm.
    fake.misbehave.kid = "nobody";
    expect((await signInWith(fake, settings, provider, alice)).result).toMatchObject({ kind: "error", code: "invalid_id_token" });
    expect((await signInWith(fake, settings, provider, alice)).result).toMatchObject({ kind: "error", code: "invalid_id_token" });
    expect(fake.calls.jwks).toBe(2);
  });
});
