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

const targets = new WeakMap<object, D1PreparedStatement>();
const RUNNERS = new Set(["run", "all", "first", "raw"]);

function guardStatement(stmt: D1PreparedStatement, timeoutMs: number): D1PreparedStatement {
  const proxy = new Proxy(stmt, {
    get(target, prop) {
      if (prop === "bind") return (...values: unknown[]) => guardStatement(target.bind(...values), timeoutMs);
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      if (RUNNERS.has(prop as string)) return (...args: unknown[]) => guarded("d1", timeoutMs, () => value.apply(target, args));
      return value.bind(target);
    },
  });
  targets.set(proxy, stmt);
  return proxy;
}

/** The D1 binding with every query and batch guarded; batch() gets the real statements back. */
function guardD1(db: D1Database, timeoutMs: number): D1Database {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "prepare") return (query: string) => guardStatement(target.prepare(query), timeoutMs);
      if (prop === "batch") {
        return (stmts: D1PreparedStatement[]) =>
          guarded("d1", timeoutMs, () => target.batch(stmts.map((s) => targets.get(s) ?? s)));
      }
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      if (prop === "exec") return (...args: unknown[]) => guarded("d1", timeoutMs, () => value.apply(target, args));
      return value.bind(target);
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
