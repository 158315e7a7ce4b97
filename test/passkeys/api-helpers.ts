import { env } from "cloudflare:workers";
import { api, claimsOf, registerUser, type ApiOptions } from "../support/api";
import { SoftAuthenticator, type CreateOverrides, type Overrides, type SoftCredential } from "../support/soft-authenticator";

/** The capability's settings for this suite (the default test env has none: passkeys are off there). */
export const PASSKEY_VARS = { WEBAUTHN_RP_ID: "example.com", WEBAUTHN_ORIGINS: "https://example.com,https://app.example.com", WEBAUTHN_RP_NAME: "Example" };

/** The worker with passkeys on (and `o.vars` on top). */
export const pk = (path: string, o: ApiOptions = {}) => api(path, { ...o, vars: { ...PASSKEY_VARS, ...o.vars } });

export const NOT_VERIFIED = { errors: { credential: ["Passkey could not be verified."] } };
export const SIGN_IN_FAILED = { errors: { non_field_errors: ["Passkey sign-in failed"] } };
export const LAST_WAY = { errors: { non_field_errors: ["You cannot remove your last way to sign in."] } };
export const NOT_FOUND = { errors: { detail: "Not found.", code: "not_found" } };
export const TOKEN_NOT_VALID = { errors: { detail: "Token is invalid or expired", code: "token_not_valid" } };

export type Account = { email: string; password: string; access: string };

/** Registers a passkey for `u` through the routes; the authenticator keeps its credential. */
export async function addPasskey(u: Account, o: CreateOverrides = {}, auth = new SoftAuthenticator()) {
  const options = await pk("/api/user/passkeys/register/options/", { token: u.access, body: {} });
  if (options.status !== 200) throw new Error(`options: ${options.status} ${JSON.stringify(options.body)}`);
  const { json, credential } = await auth.create(options.body.options, o);
  const res = await pk("/api/user/passkeys/register/", { token: u.access, body: { credential: json, name: "Laptop" } });
  if (res.status !== 201) throw new Error(`register: ${res.status} ${JSON.stringify(res.body)}`);
  return { auth, credential, passkey: res.body as { id: number; credential_id: string } };
}

/** A new account with one passkey. */
export async function userWithPasskey(o: CreateOverrides = {}) {
  const u = await registerUser();
  return { u, userId: claimsOf(u.access).user_id as number, ...(await addPasskey(u, o)) };
}

/** A discoverable sign-in: options, the authenticator's answer (bent by `o`, `edit`), verify. */
export async function signInWith(auth: SoftAuthenticator, credential: SoftCredential, o: Overrides = {}, edit?: (json: any) => void) {
  const options = await pk("/api/auth/passkey/options/", { body: {} });
  if (options.status !== 200) throw new Error(`options: ${options.status} ${JSON.stringify(options.body)}`);
  const json = await auth.get(options.body.options, credential, o);
  edit?.(json);
  return { res: await pk("/api/auth/passkey/verify/", { body: { credential: json } }), json, options: options.body.options };
}

/** Accounts without a password (Django's unusable "!" hash): the passkeys are their only ways in. */
export const dropPassword = (email: string) => env.DB.prepare("UPDATE users SET password = '!' WHERE lower(email) = lower(?)").bind(email).run();
