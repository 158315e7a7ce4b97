import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { z } from "zod";
import { unavailable, type AppError } from "./errors";
import { logError } from "./log";
import { ALGORITHMS, parsePrivateKeys, type PrivateJwk } from "./keys";
import { memo } from "./memo";
import type { ConfigPart } from "./names";

/** Bindings and variables the worker is deployed with (wrangler.toml, secrets, .dev.vars). */
export interface Env {
  DB: D1Database;
  RESET_KV: KVNamespace;
  JWT_SIGNING_KEY?: string;
  JWT_PRIVATE_KEYS?: string;
  MAIL_API_KEY?: string;
  MFA_ENCRYPTION_KEY?: string;
  /** The audit log's own database (features/audit), apart from DB. */
  AUDIT_DB?: D1Database;
  /** Events on their way to the webhook receiver (and to AUDIT_DB when a direct write failed). */
  EVENT_QUEUE?: Queue;
  WEBHOOK_SECRET?: string;
  [name: string]: unknown;
}

const bool = z
  .enum(["true", "false", "1", "0", "yes", "no", "True", "False"])
  .transform((v) => ["true", "1", "yes", "True"].includes(v));
const seconds = (fallback: number) => z.coerce.number().int().min(0).default(fallback);
const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v : undefined));
const origins = z
  .string()
  .default("")
  .transform((v) =>
    v
      .split(",")
      .map((o) => o.trim().replace(/\/$/, ""))
      .filter(Boolean),
  );

// Each field's .describe() is its row in docs/configuration.md (npm run docs:config writes the
// table from this schema; CI fails when they differ). "Secret:" marks a value set with
// `wrangler secret put`, never in wrangler.toml.
// The fields more than one capability reads; a capability's own fields come with its declaration (ConfigPart).
const SharedConfigSchema = z.object({
  ACCESS_TOKEN_LIFETIME: seconds(300).pipe(z.number().min(1)).describe("Seconds an access token lives."),
  REFRESH_TOKEN_LIFETIME: seconds(86400).pipe(z.number().min(1)).describe("Seconds a refresh token lives."),
  ROTATE_REFRESH_TOKENS: bool.default(true).describe("A refresh returns a new refresh token and retires the old one (**simplejwt's default: false**)."),
  BLACKLIST_AFTER_ROTATION: bool.default(true).describe("A retired refresh token stops working; reuse detection on (**simplejwt's default: false**)."),
  REFRESH_REUSE_INTERVAL: seconds(10).describe("Seconds in which a retired token gets the same successor again (two tabs refreshing at once)."),
  UPDATE_LAST_LOGIN: bool.default(false).describe("Write `last_login` on login."),
  JWT_ALGORITHM: z.enum(ALGORITHMS).default("HS256").describe("`HS256`, `ES256`, `EdDSA` or `RS256`; asymmetric keys are published at `/.well-known/jwks.json`."),
  JWT_ISSUER: optionalText.describe("The `iss` claim, required on incoming tokens when set."),
  JWT_AUDIENCE: optionalText.describe("The `aud` claim, required on incoming tokens when set."),
  LEEWAY: seconds(0).describe("Seconds of clock skew allowed on `exp`, `nbf` and `iat`."),
  JWT_SIGNING_KEY: z.string().optional().describe("Secret, required for HS256: the HS256 key, at least 32 bytes."),
  JWT_PRIVATE_KEYS: z.string().optional().describe("Secret, required for ES256, EdDSA and RS256: a JSON array of private JWKs with `kid`; the first signs, all verify (`npm run keys:generate`)."),
  PASSWORD_RESET_URL: z.string().url().optional().describe("Reset links are `<url>/<uid>/<token>/`; unset: the worker's own page `/reset-password/<uid>/<token>/`. `wrangler.toml` sets `http://localhost:3000/api/user/reset`."),
  EMAIL_VERIFICATION: z.enum(["none", "optional", "mandatory"]).default("none").describe("`none`: Django's behaviour, nothing changes; `optional`: a verification mail at registration, nothing blocked; `mandatory`: as `optional`, and registration answers no token and an unverified address gets 403 at login ([details](front-end.md#e-mail-verification-and-e-mail-change))."),
  EMAIL_VERIFICATION_TIMEOUT: z.coerce.number().int().min(60).default(86400).describe("Seconds a verification or e-mail change link lives (at least 60)."),
  EMAIL_VERIFICATION_URL: z.string().url().optional().describe("Verification links are `<url>/<uid>/<token>/`; unset: the worker's own page `/verify-email/<uid>/<token>/`."),
  EMAIL_CHANGE_URL: z.string().url().optional().describe("E-mail change links are `<url>/<uid>/<token>/`; unset: the worker's own page `/confirm-email-change/<uid>/<token>/`."),
  PUBLIC_URL: z.string().url().optional().describe("The worker's public origin (e.g. `https://auth.example.com`), for links to its own pages (`/reset-password/…`, `/verify-email/…`, `/confirm-email-change/…`). Never taken from the request's `Host`, `X-Forwarded-Host` or `Forwarded`; unset: only the routes that would mail such a link answer 503. `npm run dev` sets it from the address it serves on."),
  MAIL_TRANSPORT: z.enum(["http", "log"]).default("http").describe("`log` prints mails, links included, to the log when no `MAIL_API_KEY` is set: local development only (`npm run dev` writes it into `.dev.vars`); never set it in a deployment. `http` without a key: mail routes answer 503."),
  MAIL_API_URL: z.string().url().default("https://api.resend.com/emails").describe("Resend-compatible endpoint."),
  MAIL_API_KEY: optionalText.describe("Secret: the mail provider's key; unset: mail-sending routes answer 503 (a configuration error), unless `MAIL_TRANSPORT=log`."),
  MAIL_FROM: z.string().min(3).default("Accounts <no-reply@example.com>").describe("Sender of every mail."),
  MAIL_TIMEOUT_MS: z.coerce.number().int().min(100).default(5000).describe("Mail provider timeout in ms; one retry on 5xx or timeout."),
  STORAGE_TIMEOUT_MS: z.coerce.number().int().min(50).default(5000).describe("A D1 or KV call slower than this (ms) answers 503."),
  CORS_ALLOWED_ORIGINS: origins.describe("Comma-separated exact origins; unset: no origin. `wrangler.toml` sets `http://localhost:3000`."),
  SESSION_MAX_AGE: z.coerce.number().int().min(60).optional().describe("Seconds a session may live however often it is refreshed (at least 60); past it, a refresh answers 401 and the user signs in again. Unset: no bound, as simplejwt."),
  API_DOCS: bool.default(true).describe("`false` turns `/api/docs` off (the OpenAPI document stays)."),
  REVOCATION_CONSISTENCY: z.enum(["strict", "replica"]).default("strict").describe("Where the revocation check of a token reads (profile, the session list, `/api/token/verify/`): `strict`, the D1 primary; `replica`, D1 read replicas from the bookmark the token carries (a revocation may then take the replicas' lag to count). See [scaling](scaling.md)."),
  PSEUDONYM_KEY: z.string().optional().describe("Secret: keys the e-mail pseudonyms of logs and rate limits, at least 32 bytes; survives signing-key rotation. Unset: derived from the signing material."),
  MFA_ENCRYPTION_KEY: z.string().optional().describe("Secret: comma-separated keys, each at least 32 bytes; the first encrypts TOTP secrets, all decrypt ([runbook](mfa.md#mfa-encryption-key)). Unset: MFA endpoints answer 503."),
  AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).default(90).describe("Days the audit log keeps an event; the daily cron deletes older ones."),
  WEBHOOK_URL: z.string().url().optional().describe("Every audit event is POSTed here through `EVENT_QUEUE`, signed the Standard Webhooks way ([webhooks](audit.md#webhooks)). Unset: no webhooks."),
  WEBHOOK_SECRET: z.string().optional().describe("Secret: `whsec_<base64>` (`npm run --silent keys:generate -- --webhook`); required with `WEBHOOK_URL` (otherwise every route answers 503: never unsigned posts)."),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000).describe("A webhook delivery not answered within this (ms) is a failure, retried."),
});


type Parsed = z.infer<typeof SharedConfigSchema>;

/**
 * The parsed configuration. A capability adds the type of its own fields by declaration
 * merging (`declare module ".../kernel/config" { interface Config extends ... {} }`).
 */
export interface Config extends Omit<Parsed, "JWT_SIGNING_KEY" | "JWT_PRIVATE_KEYS" | "PSEUDONYM_KEY" | "MFA_ENCRYPTION_KEY" | "WEBHOOK_SECRET"> {
  /** The HS256 secret; empty for asymmetric algorithms. */
  signingKey: Uint8Array;
  /** Asymmetric algorithms: the first signs, all verify. */
  privateKeys: PrivateJwk[];
  /** Keys the e-mail pseudonyms of log lines and rate-limit keys, so neither can be reversed without a secret. */
  logKey: Uint8Array;
  /** Reset base URL without its trailing slash, so links never carry "//"; undefined: the worker's own page. */
  resetUrl: string | undefined;
  /** Verification base URL without its trailing slash; undefined: the worker's own page. */
  verifyUrl: string | undefined;
  /** E-mail change base URL without its trailing slash; undefined: the worker's own page. */
  changeEmailUrl: string | undefined;
  /** PUBLIC_URL without its trailing slash; undefined: no link may point at the worker's own pages. */
  publicUrl: string | undefined;
  /** MFA_ENCRYPTION_KEY's entries, first = current; empty: MFA is unavailable (503). */
  mfaKeys: string[];
  /** WEBHOOK_URL and the HMAC key of WEBHOOK_SECRET (whsec_<base64>); undefined: no webhooks. */
  webhook: { url: string; key: Uint8Array } | undefined;
}

/** A misconfigured deployment: every request answers 503 (and logs why) until it is fixed. */
const configError = (reason: string) => unavailable({ event: "config_invalid", reason });

const reported = new WeakMap<object, Set<string>>();

/**
 * A part of the deployment that one route needs is missing (a binding, a provider key):
 * that route answers 503, and the reason is logged once per isolate rather than per request.
 */
export function missingConfig(env: object, reason: string): AppError {
  const seen = reported.get(env) ?? new Set<string>();
  reported.set(env, seen);
  if (!seen.has(reason)) {
    seen.add(reason);
    logError("config_invalid", { reason });
  }
  return unavailable();
}

const MIN_KEY_BYTES = 32;
/** The placeholder of .dev.vars.example: long enough to pass the length check, public to everyone. */
export const EXAMPLE_SIGNING_KEY = "replace-me-with-at-least-32-random-bytes";

/**
 * The pseudonym key: PSEUDONYM_KEY when set (it then survives signing-key rotations, and
 * rate-limit counters with it), else derived from the signing material under its own label,
 * so the signing key itself is never what keys a log line.
 */
function pseudonymKey(own: string | undefined, signingMaterial: string): Uint8Array {
  const encoder = new TextEncoder();
  if (own) {
    if (encoder.encode(own).byteLength < MIN_KEY_BYTES) throw configError(`PSEUDONYM_KEY is too short: set a secret of at least ${MIN_KEY_BYTES} bytes`);
    return encoder.encode(own);
  }
  return hkdf(sha256, encoder.encode(signingMaterial), undefined, encoder.encode("edge-auth log and rate-limit pseudonyms v1"), 32);
}

const MIN_WEBHOOK_KEY_BYTES = 16;

/**
 * Standard Webhooks secrets are "whsec_" and the key in base64 (what the standardwebhooks
 * libraries take). A URL without a usable secret is a configuration error, never unsigned posts.
 */
function webhookOf(url: string | undefined, secret: string | undefined): Config["webhook"] {
  if (!url && !secret?.trim()) return undefined;
  if (!url) throw configError("WEBHOOK_SECRET is set but WEBHOOK_URL is not");
  const b64 = (secret ?? "").trim().replace(/^whsec_/, "");
  let key: Uint8Array | undefined;
  try {
    key = b64 ? Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0)) : undefined;
  } catch {
    key = undefined;
  }
  if (!key || key.byteLength < MIN_WEBHOOK_KEY_BYTES) {
    throw configError(`WEBHOOK_SECRET must be whsec_ followed by at least ${MIN_WEBHOOK_KEY_BYTES} bytes in base64 (npm run keys:generate -- --webhook)`);
  }
  return { url, key };
}

let parts: readonly ConfigPart[] = [];
let schema = SharedConfigSchema;

/** The app's capabilities' config fields and checks, merged into the one schema (src/app.ts calls it once). */
export function useConfigParts(capabilityParts: readonly ConfigPart[]) {
  parts = capabilityParts;
  schema = capabilityParts.reduce<z.ZodObject>((s, p) => s.extend(p.shape), SharedConfigSchema) as unknown as typeof SharedConfigSchema;
}

/**
 * The assembled configuration schema (shared fields and every capability's): what the worker
 * parses, and what docs/configuration.md is generated from (scripts/config-docs.mjs).
 * @public
 */
export function configSchema() {
  return schema;
}

function build(env: Env): Config {
  // Empty strings in [vars] mean "not set", so defaults apply as they would in simplejwt.
  const raw = Object.fromEntries(
    Object.entries(env).filter(([, v]) => typeof v === "string" && v.trim() !== ""),
  );
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw configError(`invalid configuration: ${where}`);
  }
  const { JWT_SIGNING_KEY, JWT_PRIVATE_KEYS, PSEUDONYM_KEY, MFA_ENCRYPTION_KEY, WEBHOOK_SECRET, ...parsedRest } = parsed.data;
  for (const part of parts) {
    const problem = part.check?.(parsedRest);
    if (problem) throw configError(problem);
  }
  const mfaKeys = (MFA_ENCRYPTION_KEY ?? "").split(",").map((k) => k.trim()).filter(Boolean);
  if (mfaKeys.some((k) => new TextEncoder().encode(k).byteLength < MIN_KEY_BYTES)) {
    throw configError(`MFA_ENCRYPTION_KEY: every key must be at least ${MIN_KEY_BYTES} bytes`);
  }
  const rest = { ...parsedRest, mfaKeys, webhook: webhookOf(parsedRest.WEBHOOK_URL, WEBHOOK_SECRET) };
  const resetUrl = rest.PASSWORD_RESET_URL?.replace(/\/+$/, "");
  const verifyUrl = rest.EMAIL_VERIFICATION_URL?.replace(/\/+$/, "");
  const changeEmailUrl = rest.EMAIL_CHANGE_URL?.replace(/\/+$/, "");
  const publicUrl = rest.PUBLIC_URL?.replace(/\/+$/, "");
  if (rest.JWT_ALGORITHM !== "HS256") {
    const keys = parsePrivateKeys(JWT_PRIVATE_KEYS, rest.JWT_ALGORITHM);
    if (typeof keys === "string") throw configError(keys);
    const logKey = pseudonymKey(PSEUDONYM_KEY, keys[0]!.d);
    // The capabilities' own fields come through `rest` (their ConfigParts), typed by their declarations.
    return { ...rest, signingKey: new Uint8Array(), privateKeys: keys, logKey, resetUrl, verifyUrl, changeEmailUrl, publicUrl } as Config;
  }
  const signingKey = new TextEncoder().encode(JWT_SIGNING_KEY ?? "");
  if (signingKey.byteLength < MIN_KEY_BYTES) {
    throw configError(
      `JWT_SIGNING_KEY is ${signingKey.byteLength === 0 ? "missing" : "too short"}: set a secret of at least ${MIN_KEY_BYTES} bytes`,
    );
  }
  if (JWT_SIGNING_KEY === EXAMPLE_SIGNING_KEY) throw configError("JWT_SIGNING_KEY is the placeholder of .dev.vars.example: generate a secret (openssl rand -base64 48)");
  return { ...rest, signingKey, privateKeys: [] as PrivateJwk[], logKey: pseudonymKey(PSEUDONYM_KEY, JWT_SIGNING_KEY!), resetUrl, verifyUrl, changeEmailUrl, publicUrl } as Config;
}

/**
 * Parses and checks the environment once per isolate: the env object is stable for an
 * isolate's life, so it keys the cache. A failure is not cached, so a fixed secret
 * takes effect without a redeploy of code.
 */
export const getConfig = memo((env: Env): Config => build(env));
