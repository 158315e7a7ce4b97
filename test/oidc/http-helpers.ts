import { afterEach, beforeEach } from "vitest";
import { api, type ApiOptions } from "../support/api";
import { installMailbox } from "../support/mailbox";
import { createFakeOidc, type FakeAlg, type FakeOidc, type FakeUser } from "../support/fake-oidc";
import { routeFetch } from "../support/fake-oidc-fetch";
import { APP_REDIRECT, frontEndPkce, uniqueIssuer } from "./helpers";

/** A fake provider named "acme" and the worker's settings for it; outbound fetch goes to it until restore(). */
export async function acme(opts: { alg?: FakeAlg; vars?: Record<string, string> } = {}) {
  const fake = await createFakeOidc({ issuer: uniqueIssuer(), alg: opts.alg });
  const vars: Record<string, string> = {
    OIDC_PROVIDERS: "acme",
    OIDC_ACME_ISSUER: fake.issuer,
    OIDC_ACME_CLIENT_ID: fake.clientId,
    OIDC_ACME_CLIENT_SECRET: fake.clientSecret,
    PUBLIC_URL: "https://auth.test",
    SOCIAL_REDIRECT_URLS: APP_REDIRECT,
    ...opts.vars,
  };
  const route = routeFetch(fake);
  const call = (path: string, o: ApiOptions = {}) => api(path, { ...o, vars: { ...vars, ...o.vars } });
  return { fake, vars, call, restore: () => route.restore() };
}
export type Acme = Awaited<ReturnType<typeof acme>>;

export const personAt = (tag: string): FakeUser => {
  const id = crypto.randomUUID().slice(0, 8);
  return { sub: `sub-${tag}-${id}`, email: `${tag}.${id}@example.com`, email_verified: true, name: `Person ${id}` };
};

export interface Landing {
  status: number;
  location: string | null;
  code: string | null;
  error: string | null;
  verifier: string;
  /** The callback parameters the provider sent (state, code, iss), to replay. */
  params: URLSearchParams;
}

/** The front end's redirect: where the callback sent the browser. */
export function land(res: { status: number; headers: Headers }, verifier: string, params: URLSearchParams): Landing {
  const location = res.headers.get("location");
  const q = location ? new URL(location).searchParams : new URLSearchParams();
  return { status: res.status, location, code: q.get("code"), error: q.get("error"), verifier, params };
}

export const callback = (p: Acme, params: URLSearchParams) => p.call(`/api/auth/oidc/acme/callback?${params}`);

/**
 * The whole redirect dance as a front end drives it: start (or a link start), consent at the
 * fake, the provider's redirect to the worker's callback. `mutate` changes the callback parameters.
 */
export async function dance(
  p: Acme,
  user: FakeUser,
  o: { tc?: boolean; link?: { token: string; current_password?: string }; mutate?: (q: URLSearchParams) => void } = {},
): Promise<Landing> {
  const { verifier, challenge } = await frontEndPkce();
  const start = o.link
    ? await p.call("/api/user/identities/link/", { token: o.link.token, body: { provider: "acme", redirect_uri: APP_REDIRECT, code_challenge: challenge, current_password: o.link.current_password } })
    : await p.call("/api/auth/oidc/acme/start/", { body: { redirect_uri: APP_REDIRECT, code_challenge: challenge, ...(o.tc === undefined ? {} : { tc: o.tc }) } });
  if (start.status !== 200) throw new Error(`start: ${start.status} ${JSON.stringify(start.body)}`);
  const params = await p.fake.authorize(start.body.authorize_url, user);
  o.mutate?.(params);
  return land(await callback(p, params), verifier, params);
}

export const exchange = (p: Acme, code: string | null, verifier: string) => p.call("/api/auth/oidc/token/", { body: { code, code_verifier: verifier } });

/** Sign-up or sign-in through the provider, to the login answer. */
export async function providerLogin(p: Acme, user: FakeUser, tc = true) {
  const landing = await dance(p, user, { tc });
  if (!landing.code) throw new Error(`callback: ${landing.status} ${landing.location}`);
  return exchange(p, landing.code, landing.verifier);
}

export type { FakeOidc };

/** Each test of the file gets a fresh "acme" provider and a mailbox, restored after it (handed over through `use`). */
export function eachTestWithAcme(use: (provider: Acme, mailbox: ReturnType<typeof installMailbox>) => void) {
  let restore: () => void = () => {};
  beforeEach(async () => {
    const mailbox = installMailbox();
    const provider = await acme();
    use(provider, mailbox);
    restore = () => {
      provider.restore();
      mailbox.restore();
    };
  });
  afterEach(() => restore());
}
