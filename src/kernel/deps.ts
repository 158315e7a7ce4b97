import { missingConfig, type Config, type Env } from "./config";
import type { EventInput, SecurityEvent } from "./events";
import type { EventType, Limiter } from "./names";
import type { LogFields, Logger } from "./log";
import { httpMailer, logMailer, type Mailer } from "./mail";
import { memo } from "./memo";
import { getDb, getKv, type Db } from "./storage";

/**
 * What a capability's logic gets from the outside world, with no HTTP framework in it.
 * `db` and `kv` are only handed on to the capability's own store functions.
 */
export interface Deps {
  config: Config;
  /** The raw bindings, for capabilities that parse their own settings (memoised per env). */
  env: Env;
  db: Db;
  kv: KVNamespace;
  /** The configured transport; throws the 503 configuration error when there is none. */
  mailer(): Mailer;
  /**
   * A URL of one of the worker's own pages (`path` starts with "/"), from PUBLIC_URL only;
   * without it, the 503 configuration error: a link is never built from the request's Host.
   */
  ownPage(path: string): string;
  log: Logger;
  /** Work that must finish but must not delay the answer. */
  defer(task: Promise<unknown>): void;
  /**
   * Work that starts only once the answer has left (mail, audit events): what a request does
   * for a known account but not for an unknown one must not even begin before it answers.
   */
  afterAnswer(work: () => Promise<unknown>): void;
  /** Facts about the caller: CF-Connecting-IP, User-Agent, request.cf's country. */
  client: { ip: string | null; userAgent: string | null; country: string | null };
  /** The audit log's database (AUDIT_DB), apart from `db`; null when the deployment has none. */
  auditDb: Db | null;
  /** The event queue (webhook deliveries, retried audit writes); null when the deployment has none. */
  eventQueue: Queue | null;
  /** Counts this request against rate limiters; throws the 429 when one is over. */
  limit(checks: [Limiter, string][]): Promise<void>;
  /**
   * The one call for a change to credentials, sessions, MFA or admin rights (and failed
   * attempts at one): it writes the log line and hands the event to the capabilities that
   * keep it (the audit log and its webhooks). `logOnly` fields go to the log line alone.
   */
  securityEvent(type: EventType, e: EventInput, logOnly?: LogFields): void;
}

/** A capability that keeps security events (the audit log) receives each one here. */
export type SecurityEventSink = (d: Deps, event: SecurityEvent) => void;

// The log transport writes working links into the log, so it is never a fallback for a
// forgotten key: only MAIL_TRANSPORT=log (what npm run dev writes into .dev.vars) selects
// it, and a provider key, when one is given (e.g. `--var MAIL_API_KEY:…`), still wins.
const mailerFor = memo((config: Config): Mailer | null => {
  if (config.MAIL_API_KEY) {
    return httpMailer({ url: config.MAIL_API_URL, apiKey: config.MAIL_API_KEY, from: config.MAIL_FROM, timeoutMs: config.MAIL_TIMEOUT_MS });
  }
  return config.MAIL_TRANSPORT === "log" ? logMailer() : null;
});

export interface DepsParts {
  log: Logger;
  defer: Deps["defer"];
  /** Called at most once, when a capability first reads `deps.client`. */
  client: () => Deps["client"];
  limit: Deps["limit"];
  sinks: readonly SecurityEventSink[];
}

export function buildDeps(env: Env, config: Config, { log, defer, client, limit, sinks }: DepsParts): Deps {
  const timeout = config.STORAGE_TIMEOUT_MS;
  const mailer = () => mailerFor(config) ?? throwMissing(env, "MAIL_API_KEY is not set (or set MAIL_TRANSPORT=log for local development)");
  const ownPage = (path: string) =>
    config.publicUrl ? `${config.publicUrl}${path}` : throwMissing(env, "PUBLIC_URL is not set: links to the worker's own pages cannot be built (set PUBLIC_URL, or the front end's URL settings)");
  const auditDb = env.AUDIT_DB ? getDb(env.AUDIT_DB, timeout) : null;
  const afterAnswer = (work: () => Promise<unknown>) => defer(answered().then(work));
  const deps: Deps = {
    config,
    env,
    db: getDb(env.DB, timeout),
    kv: getKv(env.RESET_KV, timeout),
    mailer,
    ownPage,
    log,
    defer,
    afterAnswer,
    get client() {
      const value = client();
      Object.defineProperty(deps, "client", { value, enumerable: true });
      return value;
    },
    limit,
    auditDb,
    eventQueue: env.EVENT_QUEUE ?? null,
    securityEvent(type, e, logOnly = {}) {
      log.event(type, { user_id: e.userId, actor_id: e.actorId, session: e.sessionId, ...e.detail, ...logOnly });
      for (const sink of sinks) sink(deps, { type, ...e });
    },
  };
  return deps;
}

function throwMissing(env: Env, reason: string): never {
  throw missingConfig(env, reason);
}

// A turn of the event loop is not enough: the runtime may still be delivering the answer.
const answered = () => new Promise<void>((resolve) => setTimeout(resolve, 25));
