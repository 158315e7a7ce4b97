import * as oauth from "oauth4webapi";
import { base64url, randomToken, sha256Hex } from "../../kernel/crypto";
import { fieldErrors } from "../../kernel/errors";
import type { Db } from "../../kernel/storage";
import type { GithubProvider, OidcProvider, OidcSettings, Provider } from "./config";
import { OIDC_MSG, providerUnavailable } from "./messages";
import { clientAuthFor, clientFor, githubGet, httpOptions, LEEWAY_S, ProviderUnreachable, serverFor } from "./protocol";
import type { OidcAppCode } from "./schema";
import { saveAppCode, saveAttempt, takeAppCode, takeAttempt } from "./store";

const ATTEMPT_TTL_MS = 10 * 60 * 1000;
const APP_CODE_TTL_MS = 60 * 1000;
const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
// RFC 7636: 43 to 128 unreserved characters.
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
const MAX_NAME = 200;

export interface StartInput {
  redirectUri: string;
  /** BASE64URL(SHA-256(the front end's own verifier)). */
  codeChallenge: string;
  tc?: boolean;
  /** Set for a link attempt: the user whose (recently signed-in) session starts it. */
  linkUserId?: number | null;
  /** For a link: the user's credentials_version now (a credentials change before the link completes kills it). */
  credentialsVersion?: number | null;
}

/** What the callback knows of the attempt it spent: where to send the browser, and what start carried. */
interface AttemptInfo {
  provider: string;
  redirectUri: string;
  challenge: string;
  tc: boolean;
  linkUserId: number | null;
  credentialsVersion: number | null;
}

type CallbackErrorCode = "access_denied" | "provider_error" | "provider_unavailable" | "invalid_id_token";

export type CallbackResult =
  /** Unknown, expired or spent state (or one of another provider): a 400 page, no redirect. */
  | { kind: "invalid_state" }
  | { kind: "error"; code: CallbackErrorCode; attempt: AttemptInfo }
  | {
      kind: "identity";
      provider: string;
      sub: string;
      email: string | null;
      /** true only when the provider vouches for the address (or TRUST_EMAIL and it said nothing). */
      emailVerified: boolean;
      name: string | null;
      attempt: AttemptInfo;
    };

export type IdentityResult = Extract<CallbackResult, { kind: "identity" }>;

/**
 * Begins a sign-in or link with a provider: checks the front end's redirect URL and challenge,
 * makes the worker's own state, nonce and PKCE verifier, keeps them 10 minutes (the state only
 * by its hash), and answers the provider's authorization URL. Throws the 400 field errors, or
 * the 503 provider_unavailable when discovery fails.
 */
export async function startAttempt(db: Db, settings: OidcSettings, provider: Provider, input: StartInput, now = Date.now()): Promise<{ authorizeUrl: string }> {
  const problems: Record<string, string[]> = {};
  if (!settings.redirectUrls.includes(input.redirectUri)) problems.redirect_uri = [OIDC_MSG.redirectNotAllowed];
  if (!CHALLENGE.test(input.codeChallenge)) problems.code_challenge = [OIDC_MSG.invalidChallenge];
  if (Object.keys(problems).length) throw fieldErrors(problems);

  let as: oauth.AuthorizationServer;
  try {
    as = await serverFor(provider, now);
  } catch {
    throw providerUnavailable();
  }
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const verifier = oauth.generateRandomCodeVerifier();
  await saveAttempt(db, {
    stateHash: sha256Hex(state),
    provider: provider.name,
    nonce,
    verifier,
    redirectUri: input.redirectUri,
    challenge: input.codeChallenge,
    tc: input.tc === true,
    linkUserId: input.linkUserId ?? null,
    credentialsVersion: input.credentialsVersion ?? null,
    createdAt: new Date(now),
    expiresAt: new Date(now + ATTEMPT_TTL_MS),
  });
  const url = new URL(as.authorization_endpoint!);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("client_id", provider.clientId);
  url.searchParams.set("redirect_uri", provider.redirectUri);
  url.searchParams.set("scope", provider.scopes);
  url.searchParams.set("state", state);
  url.searchParams.set("nonce", nonce);
  url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(verifier));
  url.searchParams.set("code_challenge_method", "S256");
  if (provider.kind === "oidc" && provider.responseMode === "form_post") url.searchParams.set("response_mode", "form_post");
  return { authorizeUrl: url.href };
}

/**
 * The provider's answer at the callback (query or form_post parameters). Spends the attempt
 * first, so whatever follows, its state cannot be used again. Then, in the contract's order:
 * the provider's `error`, RFC 9207 `iss`, the code exchange, the id_token, userinfo.
 */
export async function completeCallback(db: Db, settings: OidcSettings, providerName: string, params: URLSearchParams, now = Date.now()): Promise<CallbackResult> {
  const state = params.get("state");
  if (!state) return { kind: "invalid_state" };
  const row = await takeAttempt(db, sha256Hex(state));
  const provider = settings.providers.get(providerName);
  if (!row || !provider || row.provider !== providerName || row.expiresAt.getTime() <= now) return { kind: "invalid_state" };
  const attempt: AttemptInfo = {
    provider: providerName,
    redirectUri: row.redirectUri,
    challenge: row.challenge,
    tc: row.tc,
    linkUserId: row.linkUserId,
    credentialsVersion: row.credentialsVersion,
  };
  const fail = (code: CallbackErrorCode): CallbackResult => ({ kind: "error", code, attempt });

  const providerError = params.get("error");
  if (providerError) return fail(providerError === "access_denied" ? "access_denied" : "provider_error");

  let as: oauth.AuthorizationServer;
  try {
    as = await serverFor(provider, now);
  } catch {
    return fail("provider_unavailable");
  }
  const client = clientFor(provider);
  let validated: URLSearchParams;
  try {
    // GitHub has no issuer to compare an `iss` with; a mix-up there is stopped by the state,
    // which names its provider, and by each provider's own redirect URI.
    const response = provider.kind === "github" ? withoutIss(params) : params;
    validated = oauth.validateAuthResponse(as, client, response, state);
  } catch {
    return fail("provider_error");
  }
  let tokenResponse: Response;
  try {
    tokenResponse = await oauth.authorizationCodeGrantRequest(as, client, clientAuthFor(as, provider), validated, provider.redirectUri, row.verifier, httpOptions(provider));
  } catch (err) {
    return fail(err instanceof ProviderUnreachable ? "provider_unavailable" : "provider_error");
  }
  const claims =
    provider.kind === "github"
      ? await githubIdentity(provider, as, client, tokenResponse)
      : await oidcIdentity(provider, as, client, tokenResponse, row.nonce, now);
  if (typeof claims === "string") return fail(claims);
  return { kind: "identity", provider: providerName, ...claims, attempt };
}

function withoutIss(params: URLSearchParams): URLSearchParams {
  const copy = new URLSearchParams(params);
  copy.delete("iss");
  return copy;
}

type Claims = Pick<IdentityResult, "sub" | "email" | "emailVerified" | "name">;

/** The token response of an OIDC provider: a refusal is provider_error, anything wrong with the id_token invalid_id_token. */
async function oidcIdentity(
  p: OidcProvider,
  as: oauth.AuthorizationServer,
  client: oauth.Client,
  res: Response,
  nonce: string,
  now: number,
): Promise<Claims | CallbackErrorCode> {
  const body = (await res
    .clone()
    .json()
    .catch(() => null)) as { access_token?: unknown } | null;
  if (res.status !== 200 || typeof body?.access_token !== "string") return "provider_error";
  let result: oauth.TokenEndpointResponse;
  let idToken: oauth.IDToken;
  try {
    // Claims: the pinned alg, iss, aud, azp when aud has several entries, nonce, exp (with leeway).
    result = await oauth.processAuthorizationCodeResponse(as, client, res, { expectedNonce: nonce, requireIdToken: true });
    idToken = oauth.getValidatedIdTokenClaims(result)!;
    // The signature, by a key of the provider's JWKS for the pinned alg (HMAC and none never verify).
    await oauth.validateApplicationLevelSignature(as, res, httpOptions(p));
  } catch {
    return "invalid_id_token";
  }
  // What oauth4webapi leaves to the caller: azp whenever present, iat not in the future.
  if (idToken.azp !== undefined && idToken.azp !== p.clientId) return "invalid_id_token";
  if (idToken.iat > Math.floor(now / 1000) + LEEWAY_S) return "invalid_id_token";

  let merged: Record<string, unknown> = { ...idToken };
  if ((idToken.email === undefined || idToken.email_verified === undefined || idToken.name === undefined) && as.userinfo_endpoint) {
    try {
      const info = await oauth.processUserInfoResponse(
        as,
        client,
        idToken.sub,
        await oauth.userInfoRequest(as, client, result.access_token, httpOptions(p)),
      );
      // The id_token's own claims win; userinfo only fills the gaps.
      merged = { ...info, ...idToken };
    } catch (err) {
      if (err instanceof ProviderUnreachable) return "provider_unavailable";
      const subjectMismatch = err instanceof oauth.OperationProcessingError && err.code === oauth.JSON_ATTRIBUTE_COMPARISON;
      return subjectMismatch ? "invalid_id_token" : "provider_error";
    }
  }
  const verified = merged.email_verified;
  return {
    sub: idToken.sub,
    email: emailOf(merged.email),
    emailVerified: verified === true || verified === "true" || (verified === undefined && p.trustEmail),
    name: nameOf(merged.name),
  };
}

interface GithubEmail {
  email?: unknown;
  primary?: unknown;
  verified?: unknown;
}

/** GitHub (OAuth 2, no id_token): the user is /user (subject: its numeric id), the e-mail the primary verified one. */
async function githubIdentity(p: GithubProvider, as: oauth.AuthorizationServer, client: oauth.Client, res: Response): Promise<Claims | CallbackErrorCode> {
  let token: string;
  try {
    // GitHub answers a refused code with 200 and {"error": ...}: no access_token, so provider_error.
    token = (await oauth.processAuthorizationCodeResponse(as, client, res)).access_token;
  } catch {
    return "provider_error";
  }
  try {
    const user = (await githubGet(p, "/user", token)) as { id?: unknown; name?: unknown; login?: unknown };
    if (typeof user.id !== "number" || !Number.isSafeInteger(user.id)) return "provider_error";
    const emails = (await githubGet(p, "/user/emails", token)) as GithubEmail[];
    const list = Array.isArray(emails) ? emails : [];
    const primary = list.find((e) => e.primary === true);
    return {
      sub: String(user.id),
      email: emailOf(primary?.email),
      emailVerified: primary?.verified === true && emailOf(primary.email) !== null,
      name: nameOf(user.name) ?? nameOf(user.login),
    };
  } catch (err) {
    return err instanceof ProviderUnreachable ? "provider_unavailable" : "provider_error";
  }
}

const emailOf = (v: unknown): string | null => (typeof v === "string" && v.trim() !== "" ? v.trim() : null);

// Control characters removed (they would end up in mails and pages), at most 200 characters.
const nameOf = (v: unknown): string | null => {
  if (typeof v !== "string") return null;
  const clean = v.replace(/[\u0000-\u001f\u007f-\u009f]/g, "").trim().slice(0, MAX_NAME);
  return clean || null;
};

export type AppCodePurpose = OidcAppCode["purpose"];

export interface AppCodeInput {
  purpose: AppCodePurpose;
  /** The front end's challenge from the attempt. */
  challenge: string;
  /** Sign-in: the user the callback resolved to; link: the user who started the link. */
  userId: number | null;
  identity: Pick<IdentityResult, "provider" | "sub" | "email" | "emailVerified" | "name">;
  credentialsVersion?: number | null;
}

/** The one-time code for the front end's redirect: 32 random bytes, 60 s, stored by its hash only. */
export async function issueAppCode(db: Db, input: AppCodeInput, now = Date.now()): Promise<string> {
  const code = randomToken(32);
  await saveAppCode(db, {
    codeHash: sha256Hex(code),
    purpose: input.purpose,
    challenge: input.challenge,
    userId: input.userId,
    provider: input.identity.provider,
    subject: input.identity.sub,
    email: input.identity.email,
    emailVerified: input.identity.emailVerified,
    name: input.identity.name,
    credentialsVersion: input.credentialsVersion ?? null,
    createdAt: new Date(now),
    expiresAt: new Date(now + APP_CODE_TTL_MS),
  });
  return code;
}

/**
 * Redeems an app code for `purpose`: any use spends it, and only an unexpired code of that
 * purpose whose challenge is S256 of `verifier` gives its row; otherwise null (the token
 * route's "Code is not Valid or Expired").
 */
export async function redeemAppCode(db: Db, code: string, verifier: string, purpose: AppCodePurpose, now = Date.now()): Promise<OidcAppCode | null> {
  if (typeof code !== "string" || code.length === 0 || code.length > 128) return null;
  const row = await takeAppCode(db, sha256Hex(code));
  if (!row || row.purpose !== purpose || row.expiresAt.getTime() <= now) return null;
  if (typeof verifier !== "string" || !VERIFIER.test(verifier)) return null;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  return sameText(base64url(digest), row.challenge) ? row : null;
}

function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
