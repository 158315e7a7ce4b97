// A D1 stand-in for `npm run bench:geo`, loaded in front of the worker's bundle on workerd.
// It keeps the Sessions API surface the worker uses (prepare/bind/run/all/first/raw, batch,
// withSession, getBookmark), answers from the real local D1, and delays each query as a
// far-away user's request would see it: the primary is PRIMARY_MS away, a replica
// REPLICA_MS. It routes as D1 does: writes and "first-primary" sessions to the primary;
// "first-unconstrained" reads to a replica; a bookmark's reads to a replica once the replica
// has caught up with it (it lags REPLICA_LAG_MS behind the primary); a session that wrote
// reads its own writes from the primary until the replica catches up.
import worker from "./index.js";

const WRITE = /^\s*(insert|update|delete|replace|create|drop|alter)\b/i;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const bookmarkTimes = new Map(); // bookmark -> when the primary wrote it (ms)

function standIn(real, cfg, stats) {
  const caughtUp = (writtenAt) => Date.now() - writtenAt >= cfg.lag;
  const session = (inner, constraint) => {
    let first = true;
    let freshAsOf = null; // time of the newest write this session must see
    if (constraint && constraint !== "first-primary" && constraint !== "first-unconstrained") freshAsOf = bookmarkTimes.get(constraint) ?? 0;
    const route = (isWrite) => {
      const pinned = first && constraint === "first-primary";
      first = false;
      if (isWrite || pinned) return "primary";
      if (freshAsOf !== null && !caughtUp(freshAsOf)) return "primary";
      return "replica";
    };
    const travel = async (where) => {
      stats[where]++;
      await sleep(where === "primary" ? cfg.primary : cfg.replica);
    };
    const afterWrite = () => {
      freshAsOf = Date.now();
      const bm = inner.getBookmark?.();
      if (bm) bookmarkTimes.set(bm, freshAsOf);
    };
    const wrapStatement = (stmt, query) =>
      new Proxy(stmt, {
        get(t, prop) {
          if (prop === "bind") return (...v) => wrapStatement(t.bind(...v), query);
          const value = Reflect.get(t, prop, t);
          if (["run", "all", "first", "raw"].includes(prop)) {
            return async (...args) => {
              const isWrite = WRITE.test(query);
              await travel(route(isWrite));
              const out = await value.apply(t, args);
              if (isWrite) afterWrite();
              return out;
            };
          }
          return typeof value === "function" ? value.bind(t) : value;
        },
      });
    return {
      prepare: (q) => wrapStatement(inner.prepare(q), q),
      async batch(stmts) {
        await travel("primary"); // D1 runs a batch as one transaction on the primary
        first = false;
        const out = await inner.batch(stmts);
        afterWrite();
        return out;
      },
      getBookmark: () => inner.getBookmark?.() ?? null,
    };
  };
  const direct = session(real, "first-primary");
  return {
    prepare: (q) => direct.prepare(q),
    batch: (s) => direct.batch(s),
    exec: (q) => real.exec(q),
    withSession: (c) => session(real.withSession(c), c ?? "first-unconstrained"),
  };
}

export default {
  async fetch(request, env, ctx) {
    const cfg = { primary: Number(env.GEO_PRIMARY_MS), replica: Number(env.GEO_REPLICA_MS), lag: Number(env.GEO_REPLICA_LAG_MS) };
    const stats = { primary: 0, replica: 0 };
    const res = await worker.fetch(request, { ...env, DB: standIn(env.DB, cfg, stats) }, ctx);
    const out = new Response(res.body, res);
    out.headers.set("x-geo-primary", String(stats.primary));
    out.headers.set("x-geo-replica", String(stats.replica));
    return out;
  },
};
