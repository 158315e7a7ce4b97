import { AsyncLocalStorage } from "node:async_hooks";
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import { AppError, unavailable } from "./errors";
import { memo } from "./memo";

/**
 * The D1 and KV clients every capability uses. D1 or KV throwing, or not answering within
 * the timeout, becomes the 503 AppError (the client may retry; the log names the store);
 * any other exception stays a bug (500). Wrapping the bindings keeps this out of every
 * call site.
 */
export type Db = DrizzleD1Database & { $client: D1Database };

type Store = "d1" | "kv";
const storageError = (store: Store, reason: "error" | "timeout") => unavailable({ event: "storage_unavailable", store, reason });

async function guarded<T>(store: Store, timeoutMs: number, work: () => Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(storageError(store, "timeout")), timeoutMs);
  });
  try {
    return await Promise.race([work(), timeout]);
  } catch (err) {
    // The driver's own error may quote the statement's parameters (addresses): it is not kept.
    throw err instanceof AppError ? err : storageError(store, "error");
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/**
 * Where a request's D1 queries go. Every query of a request runs in one D1 session (the
 * Sessions API), made at its first query with the consistency the route declared:
 * - "primary": writes and the reads that decide them (the default);
 * - "replica": reads that may lag, because a conditional write decides anyway (login's user
 *   read) or nothing depends on them;
 * - "revocation": reads that check a token's revocation: replicas when
 *   REVOCATION_CONSISTENCY=replica, starting at the bookmark the token carries (so the
 *   session it names is there), else the primary.
 * One Drizzle instance and its prepared statements serve every request of the isolate:
 * only D1's own prepare() and bind() run per query, on the request's session.
 */
export type Consistency = "primary" | "replica" | "revocation";

interface RequestStorage {
  consistency: Consistency;
  /** REVOCATION_CONSISTENCY=strict: revocation reads go to the primary. */
  strictRevocation: boolean;
  /** A bookmark of the users' database (bookmarks belong to one database). */
  bookmark?: string;
  /** The users' database; other bindings (the audit log's) get sessions of their own. */
  binding: D1Database;
  sessions: Map<D1Database, D1DatabaseSession>;
}

const requestStorage = new AsyncLocalStorage<RequestStorage>();

/** Runs `work` (a request, with everything it defers) with its own D1 session; revocation reads go where REVOCATION_CONSISTENCY says. */
export function withRequestStorage<T>(binding: D1Database, options: { revocationReads: "primary" | "replica" }, work: () => T): T {
  return requestStorage.run({ consistency: "primary", strictRevocation: options.revocationReads === "primary", binding, sessions: new Map() }, work);
}

/** The route's declaration; only effective before the request's first query. */
export function declareConsistency(consistency: Consistency) {
  const store = requestStorage.getStore();
  if (store && store.sessions.size === 0) store.consistency = consistency;
}

/** A token's bookmark: replica reads of this request start at least as fresh as it. */
export function startAtBookmark(bookmark: string | undefined) {
  const store = requestStorage.getStore();
  if (store && !store.sessions.has(store.binding) && bookmark) store.bookmark = bookmark;
}

/** From here on this request reads the primary (e.g. a failed login re-checks there before answering). */
export function readPrimaryFromNowOn() {
  const store = requestStorage.getStore();
  if (store) store.sessions.set(store.binding, store.binding.withSession("first-primary"));
}

/** The bookmark of this request's last query (after a write: of that write), if any. */
export function currentBookmark(): string | undefined {
  const store = requestStorage.getStore();
  return store?.sessions.get(store.binding)?.getBookmark() ?? undefined;
}

function d1SessionOf(store: RequestStorage, binding: D1Database): D1DatabaseSession {
  let session = store.sessions.get(binding);
  if (!session) {
    const replica = store.consistency === "replica" || (store.consistency === "revocation" && !store.strictRevocation);
    const bookmark = binding === store.binding ? store.bookmark : undefined;
    session = binding.withSession(replica ? (bookmark ?? "first-unconstrained") : "first-primary");
    store.sessions.set(binding, session);
  }
  return session;
}

/** Outside a request (the cron, tests calling stores directly): the binding itself. */
const target = (binding: D1Database): D1Database | D1DatabaseSession => {
  const store = requestStorage.getStore();
  return store ? d1SessionOf(store, binding) : binding;
};

const RUNNERS = new Set(["run", "all", "first", "raw"]);

interface LazyStatement {
  query: string;
  values: unknown[];
}
const pending = new WeakMap<object, LazyStatement>();
const realize = (d1: D1Database, s: LazyStatement) => target(d1).prepare(s.query).bind(...s.values);

/**
 * A statement that is prepared on the request's session only when it runs, so a statement
 * Drizzle prepared once per isolate runs in each request's own session, guarded.
 */
function lazyStatement(d1: D1Database, s: LazyStatement, timeoutMs: number): D1PreparedStatement {
  const proxy = new Proxy({} as D1PreparedStatement, {
    get(_, prop) {
      if (prop === "bind") return (...values: unknown[]) => lazyStatement(d1, { query: s.query, values }, timeoutMs);
      if (RUNNERS.has(prop as string)) {
        return (...args: unknown[]) =>
          guarded("d1", timeoutMs, () => (realize(d1, s) as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[prop as string]!(...args));
      }
      return undefined;
    },
  });
  pending.set(proxy, s);
  return proxy;
}

/** The D1 binding as Drizzle sees it: every statement and batch guarded and routed to the request's session. */
function guardD1(db: D1Database, timeoutMs: number): D1Database {
  return new Proxy(db, {
    get(t, prop) {
      if (prop === "prepare") return (query: string) => lazyStatement(t, { query, values: [] }, timeoutMs);
      if (prop === "batch") {
        return (stmts: D1PreparedStatement[]) =>
          guarded("d1", timeoutMs, () => target(t).batch(stmts.map((st) => (pending.has(st) ? realize(t, pending.get(st)!) : st))));
      }
      const value = Reflect.get(t, prop, t);
      if (typeof value !== "function") return value;
      if (prop === "exec") return (...args: unknown[]) => guarded("d1", timeoutMs, () => value.apply(t, args));
      return value.bind(t);
    },
  });
}

/** The KV binding with get, put, delete and list guarded. */
function guardKv(kv: KVNamespace, timeoutMs: number): KVNamespace {
  return new Proxy(kv, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      if (["get", "put", "delete", "list", "getWithMetadata"].includes(prop as string)) {
        return (...args: unknown[]) => guarded("kv", timeoutMs, () => value.apply(target, args));
      }
      return value.bind(target);
    },
  });
}

const DEFAULT_TIMEOUT_MS = 5000;

/** One Drizzle instance per D1 binding, made once per isolate, over the guarded binding. */
export const getDb = memo((d1: D1Database, timeoutMs: number = DEFAULT_TIMEOUT_MS): Db => drizzle(guardD1(d1, timeoutMs)));

/** The guarded KV binding, once per isolate. */
export const getKv = memo((kv: KVNamespace, timeoutMs: number = DEFAULT_TIMEOUT_MS) => guardKv(kv, timeoutMs));
