import { afterEach, describe, expect, it } from "vitest";
import { api, claimsOf } from "../support/api";
import { completeCallback, startAttempt } from "../../src/features/oidc/service";
import { createFakeGithub, type FakeGithubUser } from "../support/fake-oidc";
import { routeFetch } from "../support/fake-oidc-fetch";
import { APP_REDIRECT, db, frontEndPkce, settingsFor, signInWith } from "./helpers";

let route: { restore(): void } | undefined;
afterEach(() => route?.restore());

function github() {
  const id = crypto.randomUUID().slice(0, 8);
  const fake = createFakeGithub({ webUrl: `https://gh-${id}.test`, apiUrl: `https://api.gh-${id}.test` });
  const settings = settingsFor({
    OIDC_PROVIDERS: "github",
    OIDC_GITHUB_CLIENT_ID: fake.clientId,
    OIDC_GITHUB_CLIENT_SECRET: fake.clientSecret,
    OIDC_GITHUB_WEB_URL: `https://gh-${id}.test/`,
    OIDC_GITHUB_API_URL: `https://api.gh-${id}.test`,
  });
  route = routeFetch(fake);
  return { fake, settings, provider: settings.providers.get("github")! };
}

const octo: FakeGithubUser = {
  id: 583231,
  login: "octocat",
  name: "The Octocat",
  emails: [
    { email: "old@example.com", primary: false, verified: true },
    { email: "octo@example.com", primary: true, verified: true },
  ],
};

describe("the GitHub preset", () => {
  it("authorizes at the web URL with PKCE S256 and GitHub's scopes", async () => {
    const { settings, provider } = github();
    const { challenge } = await frontEndPkce();
    const { authorizeUrl } = await startAttempt(db, settings, provider, { redirectUri: APP_REDIRECT, codeChallenge: challenge });
    const url = new URL(authorizeUrl);
    expect(url.pathname).toBe("/login/oauth/authorize");
    expect(url.searchParams.get("scope")).toBe("read:user user:email");
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("redirect_uri")).toBe("https://auth.example.com/api/auth/oidc/github/callback");
  });

  it("signs in with the numeric id as subject and the primary verified e-mail, every request with User-Agent and Accept: application/json", async () => {
    const { fake, settings, provider } = github();
    const { result } = await signInWith(fake, settings, provider, octo);
    expect(result).toMatchObject({ kind: "identity", provider: "github", sub: "583231", email: "octo@example.com", emailVerified: true, name: "The Octocat" });
    const paths = fake.requests.map((r) => new URL(r.url).pathname);
    expect(paths).toEqual(["/login/oauth/access_token", "/user", "/user/emails"]);
    for (const r of fake.requests) {
      expect(r.headers["user-agent"]).toBeTruthy();
      expect(r.headers["accept"]).toBe("application/json");
    }
    expect(new URLSearchParams(fake.requests[0]!.body).get("code_verifier")).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("reports an unverified primary e-mail as unverified, and none as no e-mail", async () => {
    const { fake, settings, provider } = github();
    const unverified = { ...octo, emails: [{ email: "octo@example.com", primary: true, verified: false }, { email: "x@example.com", primary: false, verified: true }] };
    expect((await signInWith(fake, settings, provider, unverified)).result).toMatchObject({ kind: "identity", email: "octo@example.com", emailVerified: false });
    expect((await signInWith(fake, settings, provider, { ...octo, emails: [] })).result).toMatchObject({ kind: "identity", email: null, emailVerified: false });
  });

  it("falls back to the login when the user has no name", async () => {
    const { fake, settings, provider } = github();
    expect((await signInWith(fake, settings, provider, { ...octo, name: null })).result).toMatchObject({ kind: "identity", name: "octocat" });
  });

  it("answers provider_error when GitHub refuses the code (its errors come with 200)", async () => {
    const { fake, settings, provider } = github();
    const { challenge } = await frontEndPkce();
    const { authorizeUrl } = await startAttempt(db, settings, provider, { redirectUri: APP_REDIRECT, codeChallenge: challenge });
    const params = await fake.authorize(authorizeUrl, octo);
    params.set("code", "not-a-code");
    expect(await completeCallback(db, settings, "github", params)).toMatchObject({ kind: "error", code: "provider_error" });
  });

  it("passes access_denied through", async () => {
    const { fake, settings, provider } = github();
    const { result } = await signInWith({ authorize: (url: string) => fake.authorize(url, octo, "access_denied") }, settings, provider, octo);
    expect(result).toMatchObject({ kind: "error", code: "access_denied" });
  });

  it("ignores an iss parameter (GitHub has no issuer); the state still binds the provider", async () => {
    const { fake, settings, provider } = github();
    const { result } = await signInWith(
      { authorize: async (url: string) => { const p = await fake.authorize(url, octo); p.set("iss", "https://github.com/login/oauth"); return p; } },
      settings,
      provider,
      octo,
    );
    expect(result).toMatchObject({ kind: "identity", sub: "583231" });
  });
});

describe("the GitHub preset through the routes", () => {
  it("signs up at start, callback and token as a front end does: amr [fed], the primary verified address, then the same account again", async () => {
    const id = crypto.randomUUID().slice(0, 8);
    const fake = createFakeGithub({ webUrl: `https://gh-${id}.test`, apiUrl: `https://api.gh-${id}.test` });
    route = routeFetch(fake);
    const vars = {
      OIDC_PROVIDERS: "github",
      OIDC_GITHUB_CLIENT_ID: fake.clientId,
      OIDC_GITHUB_CLIENT_SECRET: fake.clientSecret,
      OIDC_GITHUB_WEB_URL: `https://gh-${id}.test/`,
      OIDC_GITHUB_API_URL: `https://api.gh-${id}.test`,
      PUBLIC_URL: "https://auth.test",
      SOCIAL_REDIRECT_URLS: APP_REDIRECT,
    };
    const person: FakeGithubUser = { ...octo, id: Number.parseInt(id, 16), emails: [{ email: `octo.${id}@example.com`, primary: true, verified: true }] };
    const signIn = async (tc?: boolean) => {
      const { verifier, challenge } = await frontEndPkce();
      const start = await api("/api/auth/oidc/github/start/", { vars, body: { redirect_uri: APP_REDIRECT, code_challenge: challenge, ...(tc ? { tc } : {}) } });
      expect(start.status, JSON.stringify(start.body)).toBe(200);
      const params = await fake.authorize(start.body.authorize_url, person);
      const back = await api(`/api/auth/oidc/github/callback?${params}`, { vars });
      expect(back.status).toBe(303);
      const code = new URL(back.headers.get("location")!).searchParams.get("code");
      expect(code).toBeTruthy();
      return api("/api/auth/oidc/token/", { vars, body: { code, code_verifier: verifier } });
    };
    const first = await signIn(true);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(claimsOf(first.body.token.access).amr).toEqual(["fed"]);
    const profile = await api("/api/user/profile/", { token: first.body.token.access });
    expect(profile.body).toMatchObject({ email: `octo.${id}@example.com`, name: "The Octocat" });
    const identities = await api("/api/user/identities/", { vars, token: first.body.token.access });
    expect(identities.body.results).toEqual([expect.objectContaining({ provider: "github", email: `octo.${id}@example.com` })]);
    const again = await signIn();
    expect(claimsOf(again.body.token.access).user_id).toBe(claimsOf(first.body.token.access).user_id);
  });
});
