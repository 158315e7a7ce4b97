import { z } from "zod";
import type { Capability } from "../../kernel/capability";
import type { LimiterSpec } from "../../kernel/names";
import { registerWayIn } from "../sign-in";
import { oidcCallbackRoutes } from "./callback";
import { deleteExpiredOidcCeremonies } from "./cleanup";
import { oidcSettings } from "./config";
import { oidcRoutes } from "./routes";
import { identityCountSql } from "./store";

/**
 * Sign-in with an identity provider: generic OIDC by discovery and the GitHub preset
 * (CONTRACT v3 part 2, "Social and OIDC sign-in"). Off (404) until OIDC_PROVIDERS is set.
 */

const limiters = {
  OIDC_START_IP_LIMITER: { namespace: 5001, limit: 30, period: 60, what: "provider sign-in starts per client IP" },
  OIDC_TOKEN_IP_LIMITER: { namespace: 5002, limit: 30, period: 60, what: "provider app-code exchanges (sign-in and link) per client IP" },
  OIDC_LINK_IP_LIMITER: { namespace: 5003, limit: 10, period: 60, what: "identity link starts per client IP" },
} as const satisfies Record<string, LimiterSpec>;
const events = ["identity.linked", "identity.unlinked"] as const;

declare module "../../kernel/names" {
  interface LimiterNames extends Record<keyof typeof limiters, true> {}
  interface EventTypes extends Record<(typeof events)[number], true> {}
}

// Read and checked by config.ts (oidcSettings); declared here for the generated settings table.
// The per-provider OIDC_<NAME>_* variables are named by OIDC_PROVIDERS: see docs/sign-in-with-a-provider.md.
const config = {
  OIDC_PROVIDERS: z
    .string()
    .optional()
    .describe("Comma list of identity providers (each `[a-z0-9]{1,32}`); unset: provider sign-in is off (404). Each takes `OIDC_<NAME>_*` settings, `github` is the GitHub preset: see [sign-in with a provider](sign-in-with-a-provider.md)."),
  SOCIAL_REDIRECT_URLS: z.string().optional().describe("Comma list of the front end's URLs the provider callback may redirect to (with `?code=` or `?error=`), compared exactly."),
  OIDC_GITHUB_WEB_URL: z.string().optional().describe("GitHub preset: where authorize and token live (default `https://github.com`; GitHub Enterprise: its URL)."),
  OIDC_GITHUB_API_URL: z.string().optional().describe("GitHub preset: where `/user` and `/user/emails` live (default `https://api.github.com`)."),
};
declare module "../../kernel/config" {
  interface Config extends z.infer<z.ZodObject<typeof config>> {}
}

registerWayIn({ name: "identities", rows: identityCountSql });

export const oidcCapability = {
  name: "oidc",
  routes: oidcRoutes,
  formRoutes: oidcCallbackRoutes,
  limiters,
  events,
  config: { shape: config },
  settings: oidcSettings,
  daily: (env) => deleteExpiredOidcCeremonies(env),
} satisfies Capability;

/** Mounted by app.ts before the JSON-only rule: the provider's form_post is a browser's form. */
