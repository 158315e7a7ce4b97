import { env } from "cloudflare:workers";

export type Fault = "throw" | "hang";

const fail = (fault: Fault, what: string): Promise<never> =>
  fault === "throw" ? Promise.reject(new Error(`D1_ERROR: injected ${what} failure`)) : new Promise<never>(() => {});

/** The real D1 binding, except that every query (and batch) fails or never answers. */
export function faultyD1(fault: Fault): D1Database {
  const stmt = (real: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(real, {
      get(target, prop) {
        if (prop === "bind") return (...v: unknown[]) => stmt(target.bind(...v));
        if (["run", "all", "first", "raw"].includes(prop as string)) return () => fail(fault, String(prop));
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  return new Proxy(env.DB, {
    get(target, prop) {
      if (prop === "prepare") return (q: string) => stmt(target.prepare(q));
      if (prop === "batch") return () => fail(fault, "batch");
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** The real KV binding with chosen operations failing. */
export function faultyKv(ops: ("get" | "put" | "delete")[], fault: Fault = "throw"): KVNamespace {
  return new Proxy(env.RESET_KV, {
    get(target, prop) {
      if (ops.includes(prop as "get")) return () => (fault === "throw" ? Promise.reject(new Error("KV PUT failed: 500")) : new Promise(() => {}));
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
