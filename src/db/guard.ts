/**
 * Storage failures as one typed error. D1 or KV throwing, or not answering within the
 * timeout, becomes a StorageError, which the HTTP layer answers with 503; any other
 * exception stays a bug (500). Wrapping the bindings keeps this out of every call site.
 */
export class StorageError extends Error {
  constructor(
    readonly store: "d1" | "kv",
    readonly reason: "error" | "timeout",
  ) {
    super(`${store} ${reason}`);
    this.name = "StorageError";
  }
}

/** The StorageError behind an error, if any: Drizzle wraps driver errors ("Failed query: …") with `cause`. */
export function findStorageError(err: unknown): StorageError | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as Error).cause, depth++) {
    if (e instanceof StorageError) return e;
  }
  return undefined;
}

async function guarded<T>(store: "d1" | "kv", timeoutMs: number, work: () => Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StorageError(store, "timeout")), timeoutMs);
  });
  try {
    return await Promise.race([work(), timeout]);
  } catch (err) {
    throw err instanceof StorageError ? err : new StorageError(store, "error");
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
export function guardD1(db: D1Database, timeoutMs: number): D1Database {
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
export function guardKv(kv: KVNamespace, timeoutMs: number): KVNamespace {
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
