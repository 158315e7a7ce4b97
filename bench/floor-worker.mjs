// What no change to our code can take off the floor: a bare Hono app that does only what
// every answer of ours must carry (a request id, the same eight headers, one JSON log line),
// with none of our code but that list of headers. Its 404 over bare Hono's is the least our
// 404 could cost against the same yardstick; ours over it is what our own code spends
// (docs/benchmark.md, 2026-12-05).
import { Hono } from "hono";
import { EVERY_ANSWER } from "../src/kernel/http/headers.ts";

// Ours, not a copy: if what every answer carries changes, the yardstick changes with it.
const HEADERS = [...EVERY_ANSWER, ["Vary", "Origin"]];

const app = new Hono();
app.use("*", async (c, next) => {
  const id = crypto.randomUUID();
  c.header("X-Request-Id", id);
  for (const [name, value] of HEADERS) c.header(name, value);
  await next();
  console.log(`{"level":"info","request_id":"${id}","event":"request","method":"${c.req.method}","route":"/*","status":${c.res.status}}`);
});
app.get("/__bench/floor/livez", (c) => c.text("ok"));

export default app;
