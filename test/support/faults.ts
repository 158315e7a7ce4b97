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
