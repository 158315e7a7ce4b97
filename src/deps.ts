import type { Config, Env } from "./config";
import { getDb, type Db } from "./db/client";
import { guardKv } from "./db/guard";
import type { Logger } from "./log";
import { httpMailer } from "./mail/http-mailer";
import { logMailer } from "./mail/log-mailer";
import type { Mailer } from "./mail/mailer";

/** What the account modules need from the outside world, with no HTTP framework in it. */
export interface Deps {
  config: Config;
  db: Db;
  kv: KVNamespace;
  mailer: Mailer;
  log: Logger;
  /** Work that must finish but must not delay the answer (mail). */
  defer(task: Promise<unknown>): void;
  client: { userAgent: string | null; country: string | null };
}

const mailers = new WeakMap<Config, Mailer>();
const kvs = new WeakMap<KVNamespace, KVNamespace>();

function kvFor(kv: KVNamespace, timeoutMs: number): KVNamespace {
  let guarded = kvs.get(kv);
  if (!guarded) {
    guarded = guardKv(kv, timeoutMs);
    kvs.set(kv, guarded);
  }
  return guarded;
}

function mailerFor(config: Config): Mailer {
  let m = mailers.get(config);
  if (!m) {
    m = config.MAIL_API_KEY
      ? httpMailer({ url: config.MAIL_API_URL, apiKey: config.MAIL_API_KEY, from: config.MAIL_FROM, timeoutMs: config.MAIL_TIMEOUT_MS })
      : logMailer();
    mailers.set(config, m);
  }
  return m;
}

export function buildDeps(
  env: Env,
  config: Config,
  log: Logger,
  defer: Deps["defer"],
  client: Deps["client"],
): Deps {
  const timeout = config.STORAGE_TIMEOUT_MS;
  return { config, db: getDb(env.DB, timeout), kv: kvFor(env.RESET_KV, timeout), mailer: mailerFor(config), log, defer, client };
}
