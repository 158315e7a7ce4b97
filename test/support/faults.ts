import { env } from "cloudflare:workers";

export type Fault = "throw" | "hang";

const fail = (fault: Fault): Promise<never> =>
  fault === "throw" ? Promise.reject(new Error("D1_ERROR: injected failure")) : new Promise<never>(() => {});

/**
 * The real D1 binding with `before` run ahead of every query and batch, given their SQL: it
 * may wait (a race's window), reject (a failure) or never settle (a hang).
 */
function d1With(before: (sql: string[]) => Promise<void>): D1Database {
  const real = new WeakMap<object, { stmt: D1PreparedStatement; sql: string }>();
  const stmt = (target: D1PreparedStatement, text: string): D1PreparedStatement => {
    const proxy: D1PreparedStatement = new Proxy(target, {
      get(t, prop) {
        if (prop === "bind") return (...v: unknown[]) => stmt(t.bind(...v), text);
        const value = Reflect.get(t, prop, t);
        if (["run", "all", "first", "raw"].includes(prop as string))
          return async (...args: unknown[]) => (await before([text]), (value as (...a: unknown[]) => unknown).apply(t, args));
        return typeof value === "function" ? value.bind(t) : value;
      },
    });
    real.set(proxy, { stmt: target, sql: text });
    return proxy;
  };
  // The worker reaches D1 through the Sessions API: sessions behave the same way.
  const wrap = <T extends D1Database | D1DatabaseSession>(target: T): T =>
    new Proxy(target, {
      get(t, prop) {
        if (prop === "prepare") return (q: string) => stmt(t.prepare(q), q);
        if (prop === "batch")
          return async (statements: D1PreparedStatement[]) => {
            const unwrapped = statements.map((s) => real.get(s) ?? { stmt: s, sql: "" });
            await before(unwrapped.map((u) => u.sql));
            return t.batch(unwrapped.map((u) => u.stmt));
          };
        if (prop === "withSession") return (c?: string) => wrap((t as D1Database).withSession(c));
        const value = Reflect.get(t, prop, t);
        return typeof value === "function" ? value.bind(t) : value;
      },
    });
  return wrap(env.DB);
}

/**
 * The real D1 binding, except that every query (and batch) fails or never answers while
 * `active()` says so (always, by default); otherwise the real binding answers.
 */
export function faultyD1(fault: Fault, active: () => boolean = () => true): D1Database {
  return d1With(async () => {
    if (active()) await fail(fault);
  });
}

/** The real KV binding with chosen operations failing while `active()` says so (always, by default). */
export function faultyKv(ops: ("get" | "put" | "delete")[], fault: Fault = "throw", active: () => boolean = () => true): KVNamespace {
  return new Proxy(env.RESET_KV, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (ops.includes(prop as "get"))
        return (...args: unknown[]) =>
          active()
            ? fault === "throw"
              ? Promise.reject(new Error("KV PUT failed: 500"))
              : new Promise(() => {})
            : (value as (...a: unknown[]) => unknown).apply(target, args);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/**
 * The real D1 binding, except that the first query (or batch) whose SQL matches `sql` waits
 * `ms` before it runs: a window in which another request runs, for tests of races.
 */
export function d1DelayingFirst(sql: RegExp, ms: number): D1Database {
  let armed = true;
  return d1With(async (texts) => {
    if (!armed || !texts.some((t) => sql.test(t))) return;
    armed = false;
    await new Promise((r) => setTimeout(r, ms));
  });
}
