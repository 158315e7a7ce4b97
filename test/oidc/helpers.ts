import { env } from "cloudflare:workers";
import { oidcSettings, type OidcSettings, type Provider } from "../../src/features/oidc/config";
import { completeCallback, startAttempt, type CallbackResult, type StartInput } from "../../src/features/oidc/service";
import { getDb } from "../../src/kernel/storage";
import { createFakeOidc, type FakeAlg, type FakeUser } from "../support/fake-oidc";

export const db = getDb(env.DB, 5000);
export const APP_REDIRECT = "https://app.example.com/auth/callback";

/** Each test gets its own issuer: discovery and JWKS caches are per isolate, shared across files. */
export const uniqueIssuer = () => `https://idp-${crypto.randomUUID().slice(0, 8)}.test`;

export function settingsFor(vars: Record<string, string>): OidcSettings {
  return oidcSettings({ PUBLIC_URL: "https://auth.example.com", SOCIAL_REDIRECT_URLS: APP_REDIRECT, ...vars });
}

export async function oidcProvider(opts: { alg?: FakeAlg; authMethods?: string[]; vars?: Record<string, string> } = {}) {
  const fake = await createFakeOidc({ issuer: uniqueIssuer(), alg: opts.alg, authMethods: opts.authMethods });
  const settings = settingsFor({
    OIDC_PROVIDERS: "acme",
    OIDC_ACME_ISSUER: fake.issuer,
    OIDC_ACME_CLIENT_ID: fake.clientId,
    OIDC_ACME_CLIENT_SECRET: fake.clientSecret,
    ...(opts.alg ? { OIDC_ACME_ID_TOKEN_ALG: opts.alg === "PS256" ? "PS256" : opts.alg } : {}),
    ...opts.vars,
  });
  return { fake, settings, provider: settings.providers.get("acme")! };
}

/** The front end's own PKCE pair. */
export async function frontEndPkce() {
  const verifier = crypto.randomUUID() + crypto.randomUUID();
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  const challenge = btoa(String.fromCharCode(...digest)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return { verifier, challenge };
}

export const alice: FakeUser = { sub: "alice-sub", email: "alice@example.com", email_verified: true, name: "Alice" };

/** Start, consent at the fake, and the callback: the whole dance without HTTP on our side. */
export async function signInWith<U>(
  fake: { authorize(url: string, user: U): Promise<URLSearchParams> },
  settings: OidcSettings,
  provider: Provider,
  user: U,
  input: Partial<StartInput> = {},
): Promise<{ result: CallbackResult; params: URLSearchParams; authorizeUrl: string }> {
  const { challenge } = await frontEndPkce();
  const { authorizeUrl } = await startAttempt(db, settings, provider, { redirectUri: APP_REDIRECT, codeChallenge: challenge, ...input });
  const params = await fake.authorize(authorizeUrl, user);
  return { result: await completeCallback(db, settings, provider.name, params), params, authorizeUrl };
}
