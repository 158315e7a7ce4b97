// The load generator: a child process of bench/run.mjs (never the event loop that hosts
// Miniflare). It receives one scenario over IPC, runs autocannon's programmatic API against
// the worker, and sends back a summary plus samples of any non-2xx answer.
import autocannon from "autocannon";
import { passkeyRequests } from "./scenarios/passkey.mjs";
import { oidcRequests } from "./scenarios/oidc.mjs";
import { passwordlessRequests } from "./scenarios/passwordless.mjs";

const MAX_SAMPLES = 5;

/** Builds autocannon `requests` for a scenario; the hooks run in this process, per request. */
function scenarioRequests(spec, tally) {
  const json = { "content-type": "application/json", accept: "application/json" };
  const d = spec.data ?? {};
  let n = 0;
  const record = (status, body) => {
    tally.lastResponseAt = performance.now();
    // The 404 floor scenarios expect a 404: only other answers count as failures.
    if (spec.expectStatus ? status === spec.expectStatus : status >= 200 && status < 300) return;
    tally.byStatus[status] = (tally.byStatus[status] ?? 0) + 1;
    if (tally.samples.length < MAX_SAMPLES) tally.samples.push({ status, body: String(body ?? "").slice(0, 400) });
  };
  const onResponse = (status, body) => record(status, body);

  switch (spec.kind) {
    case "get":
      return [{ method: "GET", path: spec.path, headers: { accept: "application/json", ...(spec.headers ?? {}) }, onResponse }];

    case "profile":
      return [
        {
          method: "GET",
          path: spec.path,
          setupRequest(req) {
            req.headers = { accept: "application/json", authorization: `Bearer ${d.tokens[n++ % d.tokens.length]}` };
            return req;
          },
          onResponse,
        },
      ];

    case "verify":
      return [
        {
          method: "POST",
          path: spec.path,
          headers: json,
          setupRequest(req) {
            req.body = JSON.stringify({ token: d.tokens[n++ % d.tokens.length] });
            return req;
          },
          onResponse,
        },
      ];

    case "refresh": {
      // Every refresh token is sent exactly once. The pool starts with one unused token per
      // seeded session; each 200 hands back the successor, which goes back into the pool.
      // (autocannon clears its per-connection context after every request of a one-request
      // list, so the chain lives in this shared pool; with pipelining 1 a connection always
      // returns its successor before it asks for the next token.)
      const pool = [...d.refreshTokens];
      // Handed back with the summary: the unused tokens seed the next round.
      tally.pool = pool;
      tally.poolStart = pool.length;
      tally.poolMin = pool.length;
      return [
        {
          method: "POST",
          path: spec.path,
          headers: json,
          setupRequest(req) {
            const token = pool.shift();
            tally.poolMin = Math.min(tally.poolMin, pool.length);
            if (!token) {
              // Only after failures ate the spare tokens: visible as a 400, never as a reuse.
              tally.starved++;
              req.body = "{}";
              return req;
            }
            req.body = JSON.stringify({ refresh: token });
            return req;
          },
          onResponse(status, body) {
            if (status === 200) {
              try {
                const next = JSON.parse(body).refresh;
                if (next) pool.push(next);
                else tally.missingSuccessor++;
              } catch {
                tally.missingSuccessor++;
              }
            }
            record(status, body);
          },
        },
      ];
    }

    case "login":
      return [
        {
          method: "POST",
          path: spec.path,
          headers: json,
          setupRequest(req) {
            const u = d.users[n++ % d.users.length];
            req.body = JSON.stringify({ email: u.email, password: u.password });
            return req;
          },
          onResponse,
        },
      ];

    case "register":
      return [
        {
          method: "POST",
          path: spec.path,
          headers: json,
          setupRequest(req) {
            const i = n++;
            req.body = JSON.stringify({
              email: `${d.prefix}-${process.pid}-${i}@example.com`,
              name: `Load Tester ${i}`,
              password: d.password,
              password2: d.password,
              tc: true,
            });
            return req;
          },
          onResponse,
        },
      ];

    case "reset":
      return [
        {
          method: "POST",
          path: spec.path,
          headers: json,
          setupRequest(req) {
            const i = n++;
            // Alternates a seeded (known) address and an address nobody registered.
            const email = i % 2 === 0 ? d.known[(i / 2) % d.known.length] : `nobody-${d.prefix}-${i}@example.com`;
            if (i % 2 === 0) tally.known++;
            else tally.unknown++;
            req.body = JSON.stringify({ email });
            return req;
          },
          onResponse,
        },
      ];

    case "passkey":
      return passkeyRequests(d, onResponse);
    case "oidc":
      return oidcRequests(spec, tally, record);
    case "passwordless":
      return passwordlessRequests(spec, tally, record);

    default:
      throw new Error(`unknown scenario kind ${spec.kind}`);
  }
}

function rate(result, tally) {
  if (tally.amountMode) {
    const seconds = (tally.lastResponseAt - tally.startedAt) / 1000;
    return seconds > 0 ? result.requests.total / seconds : 0;
  }
  return result.duration > 0 ? result.requests.total / result.duration : 0;
}

function summarize(result, tally, spec) {
  const pick = (o, keys) => Object.fromEntries(keys.map((k) => [k, o?.[k]]));
  return {
    duration: result.duration,
    // Completed answers per second of the whole run (autocannon's own average is per-sample).
    rps: rate(result, tally),
    elapsed: tally.amountMode ? (tally.lastResponseAt - tally.startedAt) / 1000 : result.duration,
    connections: result.connections,
    requests: pick(result.requests, ["average", "mean", "stddev", "min", "max", "total", "sent", "p50"]),
    latency: pick(result.latency, ["average", "p50", "p90", "p97_5", "p99", "max", "min"]),
    throughputAvgBytes: result.throughput?.average,
    errors: result.errors,
    timeouts: result.timeouts,
    mismatches: result.mismatches,
    // With an expected status (404 floor), "non2xx" counts the answers that were not it.
    // A request maker that judges each answer itself (tally.ownVerdict: OIDC's callback succeeds with a 303) counts its own.
    non2xx: spec.expectStatus || tally.ownVerdict ? Object.values(tally.byStatus).reduce((a, b) => a + b, 0) : result.non2xx,
    resets: result.resets,
    ok2xx: result["2xx"],
    statusCodeStats: result.statusCodeStats,
    tally,
  };
}

process.once("message", async (spec) => {
  const tally = { byStatus: {}, samples: [], starved: 0, missingSuccessor: 0, known: 0, unknown: 0 };
  try {
    const requests = scenarioRequests(spec, tally);
    tally.amountMode = Boolean(spec.amount);
    const base = { url: spec.url, connections: spec.connections, timeout: spec.timeout ?? 10, pipelining: 1, requests };
    let warmup = null;
    if (spec.warmup > 0) {
      // A separate short run with the same hooks; its answers are reported apart, not measured.
      const w = await autocannon({ ...base, duration: spec.warmup });
      warmup = { total: w.requests?.total, non2xx: w.non2xx, errors: w.errors, byStatus: { ...tally.byStatus }, samples: [...tally.samples], known: tally.known };
      tally.byStatus = {};
      tally.samples = [];
      tally.known = 0;
      tally.unknown = 0;
    }
    // Tells the parent to start its CPU accounting now, after the warm-up.
    await new Promise((resolve) => process.send({ phase: "measure" }, resolve));
    // Slow (bcrypt-bound) scenarios run a fixed number of requests per connection instead of a
    // fixed time: workerd interleaves the concurrent compares, so answers arrive in waves of
    // `connections` and a time window would cut a wave in half.
    // autocannon notices the end of an `amount` run only on its sampling tick, so its duration
    // is rounded up to the tick: a 100 ms tick, and the elapsed time measured here (start to
    // last answer) is what the throughput of those runs is computed from.
    tally.startedAt = performance.now();
    const result = await autocannon(spec.amount ? { ...base, amount: spec.amount, sampleInt: 100 } : { ...base, duration: spec.duration });
    process.send({ phase: "done" });
    const summary = summarize(result, tally, spec);
    summary.warmup = warmup;
    process.send({ ok: true, summary }, () => process.exit(0));
  } catch (err) {
    process.send({ ok: false, error: String(err?.stack ?? err) }, () => process.exit(1));
  }
});
