import { missingConfig } from "../../kernel/config";
import { memo } from "../../kernel/memo";

/** The id_token algorithms an operator may pin; anything else (none, HMAC) is refused by construction. */
const ID_TOKEN_ALGS = ["RS256", "PS256", "ES256", "EdDSA"] as const;
type IdTokenAlg = (typeof ID_TOKEN_ALGS)[number];

interface ProviderBase {
  /** As in OIDC_PROVIDERS and the routes' {provider}: [a-z0-9]{1,32}. */
  name: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
  /** The worker's own callback, registered at the provider: <PUBLIC_URL>/api/auth/oidc/<name>/callback. */
  redirectUri: string;
}

export interface OidcProvider extends ProviderBase {
  kind: "oidc";
  issuer: string;
  /** A missing email_verified counts as true (single-tenant issuers that send none); never auto-links. */
  trustEmail: boolean;
  idTokenAlg: IdTokenAlg;
  responseMode: "query" | "form_post";
}

export interface GithubProvider extends ProviderBase {
  kind: "github";
  /** Where authorize and token live (https://github.com, or GitHub Enterprise), no trailing slash. */
  webUrl: string;
  /** Where /user and /user/emails live (https://api.github.com), no trailing slash. */
  apiUrl: string;
}

export type Provider = OidcProvider | GithubProvider;

export interface OidcSettings {
  /** Empty when OIDC_PROVIDERS is unset: the capability is off and its routes answer 404. */
  providers: Map<string, Provider>;
  /** SOCIAL_REDIRECT_URLS, compared exactly (no normalisation: a near miss is a different URL). */
  redirectUrls: string[];
  publicUrl: string;
}

const NAME = /^[a-z0-9]{1,32}$/;
const LOOPBACK = new Set(["127.0.0.1", "[::1]", "localhost"]);

const text = (env: Record<string, unknown>, key: string): string | undefined => {
  const v = env[key];
  return typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
};

/**
 * https anywhere, plain http only on this machine (a local provider in development and tests):
 * discovery, keys and the token exchange must not cross a network unencrypted.
 */
function secureUrl(value: string): URL | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol === "https:") return url;
  if (url.protocol === "http:" && LOOPBACK.has(url.hostname)) return url;
  return null;
}

const bools: Record<string, boolean> = { true: true, "1": true, yes: true, false: false, "0": false, no: false };

function build(env: Record<string, unknown>): OidcSettings {
  const fail = (reason: string): never => {
    throw missingConfig(env, reason);
  };
  const names = (text(env, "OIDC_PROVIDERS") ?? "")
    .split(",")
    .map((n) => n.trim())
    .filter(Boolean);
  const providers = new Map<string, Provider>();
  if (names.length === 0) return { providers, redirectUrls: [], publicUrl: "" };

  const publicRaw = text(env, "PUBLIC_URL") ?? fail("PUBLIC_URL is required when OIDC_PROVIDERS is set");
  const publicUrl = secureUrl(publicRaw!) ? publicRaw!.replace(/\/+$/, "") : fail("PUBLIC_URL must be an https:// URL (http:// only on a loopback host)");
  const redirectUrls = (text(env, "SOCIAL_REDIRECT_URLS") ?? "")
    .split(",")
    .map((u) => u.trim())
    .filter(Boolean);
  for (const u of redirectUrls) {
    if (!URL.canParse(u) || !/^https?:$/.test(new URL(u).protocol)) fail(`SOCIAL_REDIRECT_URLS: ${u} is not an http(s) URL`);
  }

  for (const name of names) {
    if (!NAME.test(name)) fail(`OIDC_PROVIDERS: "${name}" must be 1-32 of a-z and 0-9`);
    if (providers.has(name)) fail(`OIDC_PROVIDERS: "${name}" is listed twice`);
    const key = (suffix: string) => `OIDC_${name.toUpperCase()}_${suffix}`;
    const base: ProviderBase = {
      name,
      clientId: text(env, key("CLIENT_ID")) ?? fail(`${key("CLIENT_ID")} is required`),
      clientSecret: text(env, key("CLIENT_SECRET")) ?? fail(`${key("CLIENT_SECRET")} is required`),
      scopes: text(env, key("SCOPES")) ?? (name === "github" ? "read:user user:email" : "openid email profile"),
      redirectUri: `${publicUrl}/api/auth/oidc/${name}/callback`,
    };
    if (name === "github") {
      const web = text(env, "OIDC_GITHUB_WEB_URL") ?? "https://github.com";
      const api = text(env, "OIDC_GITHUB_API_URL") ?? "https://api.github.com";
      if (!secureUrl(web)) fail("OIDC_GITHUB_WEB_URL must be https:// (http:// only on a loopback host)");
      if (!secureUrl(api)) fail("OIDC_GITHUB_API_URL must be https:// (http:// only on a loopback host)");
      providers.set(name, { ...base, kind: "github", webUrl: web.replace(/\/+$/, ""), apiUrl: api.replace(/\/+$/, "") });
      continue;
    }
    const issuer = text(env, key("ISSUER")) ?? fail(`${key("ISSUER")} is required`);
    if (!secureUrl(issuer!)) fail(`${key("ISSUER")} must be https:// (http:// only on a loopback host)`);
    const trustRaw = (text(env, key("TRUST_EMAIL")) ?? "false").toLowerCase();
    if (!(trustRaw in bools)) fail(`${key("TRUST_EMAIL")} must be true or false`);
    const alg = text(env, key("ID_TOKEN_ALG")) ?? "RS256";
    if (!(ID_TOKEN_ALGS as readonly string[]).includes(alg)) fail(`${key("ID_TOKEN_ALG")} must be one of ${ID_TOKEN_ALGS.join(", ")}`);
    const mode = text(env, key("RESPONSE_MODE")) ?? "query";
    if (mode !== "query" && mode !== "form_post") fail(`${key("RESPONSE_MODE")} must be query or form_post`);
    providers.set(name, {
      ...base,
      kind: "oidc",
      // Kept exactly as set: discovery's `issuer` and every id_token's `iss` must equal it to the byte.
      issuer: issuer!,
      trustEmail: bools[trustRaw]!,
      idTokenAlg: alg as IdTokenAlg,
      responseMode: mode as OidcProvider["responseMode"],
    });
  }
  return { providers, redirectUrls, publicUrl };
}

/**
 * The provider settings, read and checked once per env (isolate). Invalid settings throw the
 * 503 configuration error (logged once); a failure is not cached, so a fix takes effect at once.
 */
export const oidcSettings = memo((env: Record<string, unknown>): OidcSettings => build(env));
