import type { Config, Env } from "./config";
import type { Logger } from "./log";
import { httpMailer, logMailer, type Mailer } from "./mail";
import { memo } from "./memo";
import { getDb, getKv, type Db } from "./storage";

/**
 * What a capability's logic gets from the outside world, with no HTTP framework in it.
 * `db` and `kv` are only handed on to the capability's own store functions.
 */
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

const mailerFor = memo((config: Config): Mailer =>
  config.MAIL_API_KEY
    ? httpMailer({ url: config.MAIL_API_URL, apiKey: config.MAIL_API_KEY, from: config.MAIL_FROM, timeoutMs: config.MAIL_TIMEOUT_MS })
    : logMailer(),
);

export function buildDeps(env: Env, config: Config, log: Logger, defer: Deps["defer"], client: Deps["client"]): Deps {
  const timeout = config.STORAGE_TIMEOUT_MS;
  return { config, db: getDb(env.DB, timeout), kv: getKv(env.RESET_KV, timeout), mailer: mailerFor(config), log, defer, client };
}
