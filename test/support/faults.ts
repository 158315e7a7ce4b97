import { env } from "cloudflare:workers";

export type Fault = "throw" | "hang";

const fail = (fault: Fault, what: string): Promise<never> =>
  fault === "throw" ? Promise.reject(new Error(`D1_ERROR: injected ${what} failure`)) : new Promise<never>(() => {});

/**
 * The real D1 binding, except that every query (and batch) fails or never answers while
 * `active()` says so (always, by default); otherwise the real binding answers.
 */
export function faultyD1(fault: Fault, active: () => boolean = () => true): D1Database {
  const stmt = (real: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(real, {
      get(target, prop) {
        if (prop === "bind") return (...v: unknown[]) => stmt(target.bind(...v));
        const value = Reflect.get(target, prop, target);
        if (["run", "all", "first", "raw"].includes(prop as string))
          return (...args: unknown[]) => (active() ? fail(fault, String(prop)) : (value as (...a: unknown[]) => unknown).apply(target, args));
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  // The worker reaches D1 through the Sessions API: sessions fail the same way.
  const faulty = <T extends D1Database | D1DatabaseSession>(real: T): T =>
    new Proxy(real, {
      get(target, prop) {
        if (prop === "prepare") return (q: string) => stmt(target.prepare(q));
        if (prop === "batch") return (statements: D1PreparedStatement[]) => (active() ? fail(fault, "batch") : target.batch(statements));
        if (prop === "withSession") return (c?: string) => faulty((target as D1Database).withSession(c));
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  return faulty(env.DB);
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
  const real = new WeakMap<object, { stmt: D1PreparedStatement; sql: string }>();
  let armed = true;
  const delayIf = (matches: boolean) => {
    if (!matches || !armed) return Promise.resolve();
    armed = false;
    return new Promise((r) => setTimeout(r, ms));
  };
  const stmt = (target: D1PreparedStatement, text: string): D1PreparedStatement => {
    const proxy: D1PreparedStatement = new Proxy(target, {
      get(t, prop) {
        if (prop === "bind") return (...v: unknown[]) => stmt(t.bind(...v), text);
        const value = Reflect.get(t, prop, t);
        if (["run", "all", "first", "raw"].includes(prop as string))
          return async (...args: unknown[]) => (await delayIf(sql.test(text)), (value as (...a: unknown[]) => unknown).apply(t, args));
        return typeof value === "function" ? value.bind(t) : value;
      },
    });
    real.set(proxy, { stmt: target, sql: text });
    return proxy;
  };
  const wrap = <T extends D1Database | D1DatabaseSession>(target: T): T =>
    new Proxy(target, {
      get(t, prop) {
        if (prop === "prepare") return (q: string) => stmt(t.prepare(q), q);
        if (prop === "batch")
          return async (statements: D1PreparedStatement[]) => {
            const unwrapped = statements.map((s) => real.get(s) ?? { stmt: s, sql: "" });
            await delayIf(unwrapped.some((u) => sql.test(u.sql)));
            return t.batch(unwrapped.map((u) => u.stmt));
          };
        if (prop === "withSession") return (c?: string) => wrap((t as D1Database).withSession(c));
        const value = Reflect.get(t, prop, t);
        return typeof value === "function" ? value.bind(t) : value;
      },
    });
  return wrap(env.DB);
}
