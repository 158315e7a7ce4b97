/**
 * A fake OpenID provider and a fake GitHub, as plain Request -> Response handlers, so the same
 * code serves the workerd tests (the worker's outbound fetch is routed here, see routeFetch in
 * fake-oidc-fetch.ts) and a real HTTP server on 127.0.0.1 (fake-oidc-server.mjs, for the browser
 * test and black-box runs). Only erasable TypeScript and no local imports: Node runs it as is.
 *
 * The test controls the provider's keys and its misbehaviours (`misbehave`), and reads what
 * the worker sent (`requests`, `calls`).
 */
import { exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";

export type FakeAlg = "RS256" | "PS256" | "ES256" | "EdDSA";

export interface FakeUser {
  sub: string;
  email?: string;
  email_verified?: boolean | string;
  name?: string;
}

export interface Misbehaviour {
  /** Claims of the id_token replaced (or, with undefined, removed): aud, nonce, iss, azp, exp, iat, sub... */
  claims?: Record<string, unknown>;
  /** Claims left out of the id_token (userinfo still has them). */
  omit?: string[];
  /** Sign with another alg than the provider's key: HMAC with the client secret, or none. */
  alg?: "HS256" | "none";
  /** The `kid` put in the id_token's header. */
  kid?: string;
  /** The `iss` parameter of the authorization response (null: none sent). */
  issParam?: string | null;
  /** userinfo answers this `sub`. */
  userinfoSub?: string;
  /** Discovery: unreachable, 500, or a document naming another issuer. */
  discovery?: "unreachable" | "500" | "wrong_issuer";
  /** The token endpoint: unreachable, or 500. */
  token?: "unreachable" | "500";
}

interface IssuedCode {
  clientId: string;
  redirectUri: string;
  challenge: string | null;
  nonce: string | null;
  user: FakeUser;
}

interface SigningKey {
  kid: string;
  alg: FakeAlg;
  privateKey: CryptoKey;
  jwk: JWK;
}

export interface RecordedRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
}

const b64url = (bytes: Uint8Array) => {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
};
const randomId = (n = 24) => b64url(crypto.getRandomValues(new Uint8Array(n)));
const s256 = async (v: string) => b64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(v))));
const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

// Read as bytes: workerd warns when .text() meets a form-encoded body.
const bodyText = async (req: Request) => new TextDecoder().decode(await req.arrayBuffer());

async function record(req: Request): Promise<RecordedRequest> {
  return { url: req.url, method: req.method, headers: Object.fromEntries(req.headers.entries()), body: req.method === "GET" ? "" : await bodyText(req.clone()) };
}

/** RFC 6749 2.3.1: client id and secret are form-encoded before Basic's base64. */
function basicCredentials(header: string | null): [string, string] | null {
  if (!header?.startsWith("Basic ")) return null;
  const [id, secret] = atob(header.slice(6)).split(":");
  if (id === undefined || secret === undefined) return null;
  const dec = (v: string) => decodeURIComponent(v.replace(/\+/g, " "));
  return [dec(id), dec(secret)];
}

async function newKey(alg: FakeAlg): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = randomId(8);
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  return { kid, alg, privateKey: privateKey as CryptoKey, jwk };
}

/** The authorize step as a browser would follow it: 302 to the redirect URI, or a self-posting form for form_post. */
function callbackAnswer(redirectUri: string, params: URLSearchParams, formPost: boolean): Response {
  if (formPost) {
    const inputs = [...params].map(([k, v]) => `<input type="hidden" name="${k}" value="${v.replace(/"/g, "&quot;")}">`).join("");
    const html = `<!doctype html><form method="post" action="${redirectUri}">${inputs}</form><script>document.forms[0].submit()</script>`;
    return new Response(html, { headers: { "content-type": "text/html" } });
  }
  const url = new URL(redirectUri);
  for (const [k, v] of params) url.searchParams.set(k, v);
  return new Response(null, { status: 302, headers: { location: url.href } });
}

export interface FakeOidcOptions {
  issuer: string;
  clientId?: string;
  clientSecret?: string;
  alg?: FakeAlg;
  /** token_endpoint_auth_methods_supported of the discovery document. */
  authMethods?: string[];
}

export async function createFakeOidc(opts: FakeOidcOptions) {
  const issuer = opts.issuer;
  const clientId = opts.clientId ?? "client-id";
  const clientSecret = opts.clientSecret ?? "client-secret-0123456789";
  let key = await newKey(opts.alg ?? "RS256");
  let published: SigningKey[] = [key];
  const codes = new Map<string, IssuedCode>();
  const tokens = new Map<string, FakeUser>();
  const calls = { discovery: 0, jwks: 0, authorize: 0, token: 0, userinfo: 0 };
  const requests: RecordedRequest[] = [];

  const fake = {
    issuer,
    clientId,
    clientSecret,
    calls,
    requests,
    misbehave: {} as Misbehaviour,
    /** The user the HTTP /authorize endpoint signs in (the browser test's "consent"). */
    nextUser: { sub: "user-1", email: "user1@example.com", email_verified: true, name: "User One" } as FakeUser,
    /** How the worker authenticated at the token endpoint the last time. */
    lastClientAuth: null as "basic" | "post" | null,

    /** A new signing key: it signs from now on and is the only one the JWKS lists. */
    async rotateKey(alg?: FakeAlg) {
      key = await newKey(alg ?? key.alg);
      published = [key];
    },

    /**
     * The user consents at the authorization URL the worker made: the callback parameters the
     * provider sends back (code, state, iss), or an error.
     */
    async authorize(authorizeUrl: string, user: FakeUser, error?: string): Promise<URLSearchParams> {
      const url = new URL(authorizeUrl);
      const q = url.searchParams;
      const out = new URLSearchParams();
      if (error) out.set("error", error);
      else {
        const code = randomId();
        codes.set(code, {
          clientId: q.get("client_id") ?? "",
          redirectUri: q.get("redirect_uri") ?? "",
          challenge: q.get("code_challenge_method") === "S256" ? q.get("code_challenge") : null,
          nonce: q.get("nonce"),
          user,
        });
        out.set("code", code);
      }
      const state = q.get("state");
      if (state !== null) out.set("state", state);
      const iss = fake.misbehave.issParam === undefined ? issuer : fake.misbehave.issParam;
      if (iss !== null) out.set("iss", iss);
      return out;
    },

    async idToken(code: IssuedCode): Promise<string> {
      const now = Math.floor(Date.now() / 1000);
      const claims: Record<string, unknown> = {
        iss: issuer,
        aud: clientId,
        exp: now + 300,
        iat: now,
        ...(code.nonce ? { nonce: code.nonce } : {}),
        ...code.user,
      };
      for (const [k, v] of Object.entries(fake.misbehave.claims ?? {})) {
        if (v === undefined) delete claims[k];
        else claims[k] = v;
      }
      for (const k of fake.misbehave.omit ?? []) delete claims[k];
      const kid = fake.misbehave.kid ?? key.kid;
      if (fake.misbehave.alg === "none") {
        const enc = (o: unknown) => b64url(new TextEncoder().encode(JSON.stringify(o)));
        return `${enc({ alg: "none" })}.${enc(claims)}.`;
      }
      if (fake.misbehave.alg === "HS256") {
        return new SignJWT(claims).setProtectedHeader({ alg: "HS256", kid }).sign(new TextEncoder().encode(clientSecret));
      }
      return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid }).sign(key.privateKey);
    },

    /** The provider's HTTP side; null for a URL that is not this provider's. */
    async handle(req: Request): Promise<Response | null> {
      const url = new URL(req.url);
      if (!req.url.startsWith(issuer.replace(/\/$/, "") + "/")) return null;
      const path = url.pathname.slice(new URL(issuer).pathname.replace(/\/$/, "").length);
      requests.push(await record(req));
      const m = fake.misbehave;
      switch (path) {
        case "/.well-known/openid-configuration":
          calls.discovery++;
          if (m.discovery === "unreachable") throw new TypeError("fetch failed");
          if (m.discovery === "500") return new Response("down", { status: 500 });
          return json({
            issuer: m.discovery === "wrong_issuer" ? `${issuer}/other` : issuer,
            authorization_endpoint: `${issuer}/authorize`,
            token_endpoint: `${issuer}/token`,
            jwks_uri: `${issuer}/jwks`,
            userinfo_endpoint: `${issuer}/userinfo`,
            response_types_supported: ["code"],
            subject_types_supported: ["public"],
            id_token_signing_alg_values_supported: [key.alg],
            token_endpoint_auth_methods_supported: opts.authMethods ?? ["client_secret_basic", "client_secret_post"],
            code_challenge_methods_supported: ["S256"],
          });
        case "/jwks":
          calls.jwks++;
          return json({ keys: published.map((k) => k.jwk) });
        case "/authorize": {
          calls.authorize++;
          const params = await fake.authorize(req.url, fake.nextUser);
          return callbackAnswer(url.searchParams.get("redirect_uri") ?? "", params, url.searchParams.get("response_mode") === "form_post");
        }
        case "/token":
          calls.token++;
          return fake.token(req);
        case "/userinfo": {
          calls.userinfo++;
          const user = tokens.get((req.headers.get("authorization") ?? "").replace(/^Bearer /, ""));
          if (!user) return json({ error: "invalid_token" }, 401);
          return json({ ...user, sub: m.userinfoSub ?? user.sub });
        }
      }
      return new Response("not found", { status: 404 });
    },

    async token(req: Request): Promise<Response> {
      if (fake.misbehave.token === "unreachable") throw new TypeError("fetch failed");
      if (fake.misbehave.token === "500") return new Response("down", { status: 500 });
      const form = new URLSearchParams(await bodyText(req));
      const basic = basicCredentials(req.headers.get("authorization"));
      const methods = opts.authMethods ?? ["client_secret_basic", "client_secret_post"];
      let ok = false;
      if (basic && methods.includes("client_secret_basic")) {
        ok = basic[0] === clientId && basic[1] === clientSecret;
        fake.lastClientAuth = "basic";
      } else if (!basic && form.get("client_secret") !== null && methods.includes("client_secret_post")) {
        ok = form.get("client_id") === clientId && form.get("client_secret") === clientSecret;
        fake.lastClientAuth = "post";
      }
      if (!ok) return json({ error: "invalid_client" }, 401);
      const code = codes.get(form.get("code") ?? "");
      codes.delete(form.get("code") ?? "");
      if (!code || form.get("grant_type") !== "authorization_code" || code.redirectUri !== form.get("redirect_uri") || code.clientId !== clientId) {
        return json({ error: "invalid_grant" }, 400);
      }
      if (code.challenge === null || (await s256(form.get("code_verifier") ?? "")) !== code.challenge) {
        return json({ error: "invalid_grant", error_description: "PKCE verification failed" }, 400);
      }
      const accessToken = randomId();
      tokens.set(accessToken, code.user);
      return json({ access_token: accessToken, token_type: "Bearer", expires_in: 300, id_token: await fake.idToken(code) });
    },
  };
  return fake;
}

export type FakeOidc = Awaited<ReturnType<typeof createFakeOidc>>;

export interface FakeGithubUser {
  id: number;
  login: string;
  name?: string | null;
  emails: { email: string; primary: boolean; verified: boolean }[];
}

/** GitHub as the worker sees it: OAuth 2 only, picky about User-Agent and Accept. */
export function createFakeGithub(opts: { webUrl: string; apiUrl: string; clientId?: string; clientSecret?: string }) {
  const clientId = opts.clientId ?? "gh-client-id";
  const clientSecret = opts.clientSecret ?? "gh-client-secret-0123456789";
  const codes = new Map<string, IssuedCode & { ghUser: FakeGithubUser }>();
  const tokens = new Map<string, FakeGithubUser>();
  const requests: RecordedRequest[] = [];
  const fake = {
    clientId,
    clientSecret,
    requests,
    nextUser: { id: 1001, login: "octo", name: "Octo Cat", emails: [{ email: "octo@example.com", primary: true, verified: true }] } as FakeGithubUser,

    async authorize(authorizeUrl: string, user: FakeGithubUser, error?: string): Promise<URLSearchParams> {
      const q = new URL(authorizeUrl).searchParams;
      const out = new URLSearchParams();
      if (error) out.set("error", error);
      else {
        const code = randomId();
        codes.set(code, {
          clientId: q.get("client_id") ?? "",
          redirectUri: q.get("redirect_uri") ?? "",
          challenge: q.get("code_challenge_method") === "S256" ? q.get("code_challenge") : null,
          nonce: null,
          user: { sub: String(user.id) },
          ghUser: user,
        });
        out.set("code", code);
      }
      out.set("state", q.get("state") ?? "");
      return out;
    },

    async handle(req: Request): Promise<Response | null> {
      const web = req.url.startsWith(opts.webUrl + "/");
      const api = req.url.startsWith(opts.apiUrl + "/");
      if (!web && !api) return null;
      requests.push(await record(req));
      // What GitHub does without them: 403 for no User-Agent, a form-encoded token answer for no Accept.
      if (!req.headers.get("user-agent")) return new Response("Request forbidden by administrative rules.", { status: 403 });
      const url = new URL(req.url);
      const path = url.pathname.slice(new URL(web ? opts.webUrl : opts.apiUrl).pathname.replace(/\/$/, "").length);
      if (web && path === "/login/oauth/authorize") {
        return callbackAnswer(url.searchParams.get("redirect_uri") ?? "", await fake.authorize(req.url, fake.nextUser), false);
      }
      if (web && path === "/login/oauth/access_token" && req.method === "POST") {
        const form = new URLSearchParams(await bodyText(req));
        const basic = basicCredentials(req.headers.get("authorization"));
        const [id, secret] = basic ?? [form.get("client_id"), form.get("client_secret")];
        const code = codes.get(form.get("code") ?? "");
        codes.delete(form.get("code") ?? "");
        let body: Record<string, string>;
        if (id !== clientId || secret !== clientSecret) body = { error: "incorrect_client_credentials" };
        else if (!code || code.challenge === null || (await s256(form.get("code_verifier") ?? "")) !== code.challenge) body = { error: "bad_verification_code" };
        else {
          const accessToken = randomId();
          tokens.set(accessToken, code.ghUser);
          body = { access_token: accessToken, token_type: "bearer", scope: "read:user,user:email" };
        }
        // GitHub answers its errors with 200 too.
        if (req.headers.get("accept")?.includes("application/json")) return json(body);
        return new Response(new URLSearchParams(body).toString(), { headers: { "content-type": "application/x-www-form-urlencoded" } });
      }
      const user = tokens.get((req.headers.get("authorization") ?? "").replace(/^(Bearer|token) /, ""));
      if (api && !user) return json({ message: "Bad credentials" }, 401);
      if (api && path === "/user") return json({ id: user!.id, login: user!.login, name: user!.name ?? null });
      if (api && path === "/user/emails") return json(user!.emails.map((e) => ({ ...e, visibility: null })));
      return json({ message: "Not Found" }, 404);
    },
  };
  return fake;
}

export type FakeGithub = ReturnType<typeof createFakeGithub>;
