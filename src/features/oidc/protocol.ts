import * as oauth from "oauth4webapi";
import type { GithubProvider, OidcProvider, Provider } from "./config";

/**
 * The provider side of the protocol, on oauth4webapi (standards-only, fetch + WebCrypto, no
 * dependencies): discovery, the authorization response (RFC 9207 `iss`), the code exchange with
 * PKCE and client authentication, the id_token's claims and signature, userinfo.
 */

const HTTP_TIMEOUT_MS = 10_000;
const DISCOVERY_TTL_MS = 60 * 60 * 1000;
/** exp and iat are judged with this much clock difference allowed either way. */
export const LEEWAY_S = 60;
/** GitHub refuses requests without a User-Agent, and a Worker's fetch sends none. */
const USER_AGENT = "edge-auth";

/** The provider could not be reached, or answered 5xx: the user may retry later. */
export class ProviderUnreachable extends Error {
  override name = "ProviderUnreachable";
}

/**
 * Every request to a provider: our User-Agent, JSON wanted (GitHub's token endpoint answers
 * form-encoded without it), a timeout, and network failures or 5xx told apart from refusals.
 * `fetch` is looked up per call, so tests that replace it reach the fake provider.
 */
const send = async (url: string, options: oauth.CustomFetchOptions<string, URLSearchParams | undefined>): Promise<Response> => {
  let res: Response;
  try {
    res = await fetch(url, {
      ...options,
      headers: { ...options.headers, "user-agent": USER_AGENT, accept: "application/json" },
      signal: options.signal ?? AbortSignal.timeout(HTTP_TIMEOUT_MS),
    });
  } catch (cause) {
    throw new ProviderUnreachable("provider unreachable", { cause });
  }
  if (res.status >= 500) throw new ProviderUnreachable(`provider answered ${res.status}`);
  return res;
};

/**
 * Options for every oauth4webapi request to this provider. Plain http only for a provider
 * configured on loopback (the settings refuse it anywhere else): a local provider in development.
 */
export function httpOptions(p: Provider) {
  const base = p.kind === "github" ? p.webUrl : p.issuer;
  return {
    [oauth.customFetch]: send,
    [oauth.allowInsecureRequests]: base.startsWith("http://"),
  };
}

const discovered = new Map<string, { as: oauth.AuthorizationServer; until: number }>();

/**
 * The provider's metadata, cached up to an hour per issuer. The cached object also keys
 * oauth4webapi's own JWKS cache (kept up to 5 minutes, fetched again on an unknown `kid` at
 * most once a minute). Any failure throws ProviderUnreachable, and nothing is cached.
 */
async function discover(p: OidcProvider, now: number): Promise<oauth.AuthorizationServer> {
  const hit = discovered.get(p.issuer);
  if (hit && hit.until > now) return hit.as;
  let as: oauth.AuthorizationServer;
  try {
    const issuer = new URL(p.issuer);
    const res = await oauth.discoveryRequest(issuer, { ...httpOptions(p), algorithm: "oidc" });
    as = await oauth.processDiscoveryResponse(issuer, res);
  } catch (cause) {
    throw cause instanceof ProviderUnreachable ? cause : new ProviderUnreachable("discovery failed", { cause });
  }
  // oauth4webapi compares URLs after parsing ("https://a" = "https://a/"); the contract wants the setting exactly.
  if (as.issuer !== p.issuer || !as.authorization_endpoint || !as.token_endpoint || !as.jwks_uri) {
    throw new ProviderUnreachable("discovery document does not fit the issuer setting");
  }
  discovered.set(p.issuer, { as, until: now + DISCOVERY_TTL_MS });
  return as;
}

// One stable object per provider: GitHub has no discovery, its endpoints come from the settings.
const githubServers = new WeakMap<GithubProvider, oauth.AuthorizationServer>();
function githubServer(p: GithubProvider): oauth.AuthorizationServer {
  let as = githubServers.get(p);
  if (!as) {
    as = {
      issuer: p.webUrl,
      authorization_endpoint: `${p.webUrl}/login/oauth/authorize`,
      token_endpoint: `${p.webUrl}/login/oauth/access_token`,
      token_endpoint_auth_methods_supported: ["client_secret_post"],
    };
    githubServers.set(p, as);
  }
  return as;
}

export function serverFor(p: Provider, now: number): Promise<oauth.AuthorizationServer> {
  return p.kind === "github" ? Promise.resolve(githubServer(p)) : discover(p, now);
}

export function clientFor(p: Provider): oauth.Client {
  return {
    client_id: p.clientId,
    ...(p.kind === "oidc" ? { id_token_signed_response_alg: p.idTokenAlg } : {}),
    [oauth.clockTolerance]: LEEWAY_S,
  };
}

/** client_secret_basic, unless the provider lacks it and lists client_secret_post. */
export function clientAuthFor(as: oauth.AuthorizationServer, p: Provider): oauth.ClientAuth {
  const methods = as.token_endpoint_auth_methods_supported;
  const post = methods !== undefined && !methods.includes("client_secret_basic") && methods.includes("client_secret_post");
  return post ? oauth.ClientSecretPost(p.clientSecret) : oauth.ClientSecretBasic(p.clientSecret);
}

/** A GET of GitHub's API with the access token, the headers GitHub needs, and the same failure split. */
export async function githubGet(p: GithubProvider, path: string, accessToken: string): Promise<unknown> {
  const res = await send(`${p.apiUrl}${path}`, {
    method: "GET",
    headers: { authorization: `Bearer ${accessToken}` },
    body: undefined,
    redirect: "manual",
  });
  if (!res.ok) throw new Error(`GitHub ${path} answered ${res.status}`);
  return res.json();
}
