import { z } from "zod";
import type { Capability } from "../../kernel/capability";
import type { Env } from "../../kernel/config";
import type { LimiterSpec } from "../../kernel/names";
import { getDb } from "../../kernel/storage";
import { deleteInBatches } from "../../kernel/cleanup";
import { registerSecondFactor } from "../mfa";
import { registerWayIn } from "../sign-in";
import { getPasskeyConfig } from "./config";
import { passkeyFactor } from "./factor";
import { passkeyRoutes } from "./routes";
import { deleteExpiredCeremonies, passkeyCountSql } from "./store";

/**
 * Passkeys (CONTRACT "v3, part 2", Passkeys; docs/passkeys.md): registration, discoverable
 * sign-in, the second step of a login, and the admin's view. Off (404) without WEBAUTHN_RP_ID.
 */
const limiters = {
  PASSKEY_OPTIONS_IP_LIMITER: { namespace: 6001, limit: 60, period: 60, what: "passkey sign-in and second-step options per client IP" },
  PASSKEY_VERIFY_IP_LIMITER: { namespace: 6002, limit: 30, period: 60, what: "passkey sign-in answers per client IP" },
} as const satisfies Record<string, LimiterSpec>;
const events = ["passkey.added", "passkey.removed", "passkey.counter_regression"] as const;

// The names this capability adds to the kernel's lists, so a typo in one fails the typecheck.
declare module "../../kernel/names" {
  interface LimiterNames extends Record<keyof typeof limiters, true> {}
  interface EventTypes extends Record<(typeof events)[number], true> {}
}

// Declared for the configuration table; config.ts parses and checks them together (settings).
const config = {
  WEBAUTHN_RP_ID: z.string().optional().describe("The passkeys' relying party: a domain (`example.com`; `localhost` in development), never a URL or an IP address. Unset: the passkey routes answer 404 ([passkeys](passkeys.md))."),
  WEBAUTHN_RP_NAME: z.string().optional().describe("The name authenticators show for the relying party (at most 100 characters). Unset: `MFA_ISSUER`."),
  WEBAUTHN_ORIGINS: z
    .string()
    .optional()
    .describe("Required with `WEBAUTHN_RP_ID`: comma-separated exact origins of the pages that use passkeys, each `https://` (or `http://localhost[:port]`), on the RP ID or under it."),
};

/** The daily Cron Trigger: ceremonies live 5 minutes; the expired ones go. */
const deleteExpired = (env: Env) =>
  deleteInBatches("cleanup", { batchSize: Number.MAX_SAFE_INTEGER, maxBatches: 1 }, async () => ({
    webauthn_ceremonies: await deleteExpiredCeremonies(getDb(env.DB), new Date()),
  }));

registerSecondFactor(passkeyFactor);
registerWayIn({ name: "passkeys", rows: passkeyCountSql });

export const passkeysCapability = {
  name: "passkeys",
  routes: passkeyRoutes,
  limiters,
  events,
  config: { shape: config },
  settings: getPasskeyConfig,
  daily: deleteExpired,
} satisfies Capability;
