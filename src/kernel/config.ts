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

// The fields more than one capability reads; a capability's own fields come with its declaration (ConfigPart).
const SharedConfigSchema = z.object({
  ACCESS_TOKEN_LIFETIME: seconds(300).pipe(z.number().min(1)),
  REFRESH_TOKEN_LIFETIME: seconds(86400).pipe(z.number().min(1)),
  ROTATE_REFRESH_TOKENS: bool.default(true),
  BLACKLIST_AFTER_ROTATION: bool.default(true),
  REFRESH_REUSE_INTERVAL: seconds(10),
  UPDATE_LAST_LOGIN: bool.default(false),
  JWT_ALGORITHM: z.enum(ALGORITHMS).default("HS256"),
  JWT_ISSUER: optionalText,
  JWT_AUDIENCE: optionalText,
  LEEWAY: seconds(0),
  JWT_SIGNING_KEY: z.string().optional(),
  JWT_PRIVATE_KEYS: z.string().optional(),
  // Unset: links point at the worker's own reset page (/reset-password/<uid>/<token>/).
  PASSWORD_RESET_URL: z.string().url().optional(),
  // none: Django's behaviour; optional: a verification mail at registration; mandatory: and no tokens until verified.
  EMAIL_VERIFICATION: z.enum(["none", "optional", "mandatory"]).default("none"),
  EMAIL_VERIFICATION_TIMEOUT: z.coerce.number().int().min(60).default(86400),
  // Unset: links point at the worker's own pages (/verify-email/..., /confirm-email-change/...).
  EMAIL_VERIFICATION_URL: z.string().url().optional(),
  // Unset: e-mail change links point at the worker's own page (/confirm-email-change/...).
  EMAIL_CHANGE_URL: z.string().url().optional(),
  // "log" prints mails, links included, to the log when no MAIL_API_KEY is set: only ever
  // chosen explicitly (npm run dev does); "http" without a key answers 503 on mail routes.
  MAIL_TRANSPORT: z.enum(["http", "log"]).default("http"),
  MAIL_API_URL: z.string().url().default("https://api.resend.com/emails"),
  MAIL_API_KEY: optionalText,
  MAIL_FROM: z.string().min(3).default("Accounts <no-reply@example.com>"),
  MAIL_TIMEOUT_MS: z.coerce.number().int().min(100).default(5000),
  STORAGE_TIMEOUT_MS: z.coerce.number().int().min(50).default(5000),
  CORS_ALLOWED_ORIGINS: origins,
  // Seconds a session may live however often it is refreshed; unset: no bound, as simplejwt.
  SESSION_MAX_AGE: z.coerce.number().int().min(60).optional(),
  API_DOCS: bool.default(true),
  // strict: revocation checks read the primary; replica: they accept the replicas' lag.
  REVOCATION_CONSISTENCY: z.enum(["strict", "replica"]).default("strict"),
  PSEUDONYM_KEY: z.string().optional(),
  // Comma-separated secrets, each at least 32 bytes: the first encrypts TOTP secrets, all decrypt.
  MFA_ENCRYPTION_KEY: z.string().optional(),
  // Days the audit log keeps an event; the daily cron deletes older ones.
  AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).default(90),
  // With WEBHOOK_SECRET: every event is POSTed here, signed the Standard Webhooks way.
  WEBHOOK_URL: z.string().url().optional(),
  WEBHOOK_SECRET: z.string().optional(),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
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
  if (rest.JWT_ALGORITHM !== "HS256") {
    const keys = parsePrivateKeys(JWT_PRIVATE_KEYS, rest.JWT_ALGORITHM);
    if (typeof keys === "string") throw configError(keys);
    const logKey = pseudonymKey(PSEUDONYM_KEY, keys[0]!.d);
    // The capabilities' own fields come through `rest` (their ConfigParts), typed by their declarations.
    return { ...rest, signingKey: new Uint8Array(), privateKeys: keys, logKey, resetUrl, verifyUrl, changeEmailUrl } as Config;
  }
  const signingKey = new TextEncoder().encode(JWT_SIGNING_KEY ?? "");
  if (signingKey.byteLength < MIN_KEY_BYTES) {
    throw configError(
      `JWT_SIGNING_KEY is ${signingKey.byteLength === 0 ? "missing" : "too short"}: set a secret of at least ${MIN_KEY_BYTES} bytes`,
    );
  }
  if (JWT_SIGNING_KEY === EXAMPLE_SIGNING_KEY) throw configError("JWT_SIGNING_KEY is the placeholder of .dev.vars.example: generate a secret (openssl rand -base64 48)");
  return { ...rest, signingKey, privateKeys: [] as PrivateJwk[], logKey: pseudonymKey(PSEUDONYM_KEY, JWT_SIGNING_KEY!), resetUrl, verifyUrl, changeEmailUrl } as Config;
}

/**
 * Parses and checks the environment once per isolate: the env object is stable for an
 * isolate's life, so it keys the cache. A failure is not cached, so a fixed secret
 * takes effect without a redeploy of code.
 */
export const getConfig = memo((env: Env): Config => build(env));
