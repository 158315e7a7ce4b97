import { describe, expect, it } from "vitest";
import { oidcSettings } from "../../src/features/oidc/config";
import { AppError } from "../../src/kernel/errors";

const base = {
  PUBLIC_URL: "https://auth.example.com/",
  SOCIAL_REDIRECT_URLS: "https://app.example.com/cb, https://app.example.com/cb?x=1",
  OIDC_PROVIDERS: "acme,github",
  OIDC_ACME_ISSUER: "https://login.example.com/tenant",
  OIDC_ACME_CLIENT_ID: "id",
  OIDC_ACME_CLIENT_SECRET: "secret",
  OIDC_GITHUB_CLIENT_ID: "gh",
  OIDC_GITHUB_CLIENT_SECRET: "ghs",
};

const refused = (vars: Record<string, string | undefined>) => {
  const err = (() => {
    try {
      oidcSettings({ ...base, ...vars });
    } catch (e) {
      return e;
    }
  })();
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).status).toBe(503);
};

describe("provider settings", () => {
  it("are off without OIDC_PROVIDERS, whatever else is set", () => {
    expect(oidcSettings({ PUBLIC_URL: "nonsense", OIDC_ACME_ISSUER: "http://x" }).providers.size).toBe(0);
  });

  it("parse with the contract's defaults", () => {
    const s = oidcSettings({ ...base });
    expect(s.redirectUrls).toEqual(["https://app.example.com/cb", "https://app.example.com/cb?x=1"]);
    expect(s.providers.get("acme")).toEqual({
      name: "acme",
      kind: "oidc",
      issuer: "https://login.example.com/tenant",
      clientId: "id",
      clientSecret: "secret",
      scopes: "openid email profile",
      trustEmail: false,
      idTokenAlg: "RS256",
      responseMode: "query",
      redirectUri: "https://auth.example.com/api/auth/oidc/acme/callback",
    });
    expect(s.providers.get("github")).toMatchObject({ kind: "github", webUrl: "https://github.com", apiUrl: "https://api.github.com", scopes: "read:user user:email" });
  });

  it("take the per-provider options", () => {
    const s = oidcSettings({ ...base, OIDC_ACME_SCOPES: "openid email", OIDC_ACME_TRUST_EMAIL: "true", OIDC_ACME_ID_TOKEN_ALG: "EdDSA", OIDC_ACME_RESPONSE_MODE: "form_post" });
    expect(s.providers.get("acme")).toMatchObject({ scopes: "openid email", trustEmail: true, idTokenAlg: "EdDSA", responseMode: "form_post" });
  });

  it("allow http:// issuers only on loopback", () => {
    for (const host of ["127.0.0.1:9400", "localhost:9400", "[::1]:9400"]) {
      expect(oidcSettings({ ...base, OIDC_ACME_ISSUER: `http://${host}` }).providers.get("acme")?.kind).toBe("oidc");
    }
    refused({ OIDC_ACME_ISSUER: "http://login.example.com" });
    refused({ OIDC_ACME_ISSUER: "http://10.0.0.1" });
    refused({ OIDC_GITHUB_WEB_URL: "http://github.example.com" });
  });

  it("refuse what is invalid, as a configuration error (503)", () => {
    refused({ PUBLIC_URL: undefined });
    refused({ OIDC_PROVIDERS: "Acme" });
    refused({ OIDC_PROVIDERS: "acme,acme" });
    refused({ OIDC_PROVIDERS: "a".repeat(33) });
    refused({ OIDC_ACME_ISSUER: undefined });
    refused({ OIDC_ACME_CLIENT_SECRET: undefined });
    refused({ OIDC_ACME_ID_TOKEN_ALG: "HS256" });
    refused({ OIDC_ACME_ID_TOKEN_ALG: "none" });
    refused({ OIDC_ACME_RESPONSE_MODE: "fragment" });
    refused({ OIDC_ACME_TRUST_EMAIL: "maybe" });
    refused({ SOCIAL_REDIRECT_URLS: "not a url" });
  });
});
