// `npm run bench:storage`: how the users' database grows with use. Runs the deployed bundle
// on workerd (bench/lib/worker.mjs), registers users, logs in, then runs N rotating
// refreshes across the sessions, and prints the database size (D1's meta.size_after)
// before and after each step: bytes per user, per session, per refresh.
// Target: <= 10 bytes per refresh on average at N = 4,000.
//
// Sizes grow by whole pages, so enough users to fill many (bcrypt at cost 4: this measures
// bytes, not CPU).
//
// Env: STORAGE_USERS (default 500), STORAGE_REFRESHES (default 4000).
import { fileURLToPath } from "node:url";
import { startWorker } from "./lib/worker.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const USERS = Number(process.env.STORAGE_USERS ?? 500);
const REFRESHES = Number(process.env.STORAGE_REFRESHES ?? 4000);
const PASSWORD = "violet-Harbor-91";

const worker = await startWorker(ROOT, { extraBindings: { BCRYPT_COST: "4" } });
try {
  // D1 refuses PRAGMA page_count; every result's meta carries the database size instead.
  const size = async () => (await worker.db.prepare("SELECT 1").run()).meta.size_after;
  let ip = 0;
  const post = async (path, body) => {
    const res = await fetch(worker.url + path, {
      method: "POST",
      headers: { "content-type": "application/json", "cf-connecting-ip": `198.51.100.${ip++ % 250}` },
      body: JSON.stringify(body),
    });
    const json = await res.json();
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };

  const rows = [];
  const step = async (name, count, unit, work) => {
    const before = await size();
    const result = await work();
    const after = await size();
    rows.push({ name, count, unit, before, after, per: (after - before) / count });
    return result;
  };

  const emails = Array.from({ length: USERS }, (_, i) => `storage.${Date.now()}.${i}@example.com`);
  await step("register (user + first session)", USERS, "user", async () => {
    for (const email of emails) await post("/api/user/register/", { email, name: "Storage", password: PASSWORD, password2: PASSWORD, tc: true });
  });
  const tokens = await step("login (one more session each)", USERS, "session", async () => {
    const out = [];
    for (const email of emails) out.push((await post("/api/user/login/", { email, password: PASSWORD })).token.refresh);
    return out;
  });
  await step("rotating refreshes", REFRESHES, "refresh", async () => {
    // One chain per session, the chains side by side, as many front ends would.
    const perChain = Math.ceil(REFRESHES / tokens.length);
    let left = REFRESHES;
    await Promise.all(
      tokens.map(async (token) => {
        let current = token;
        for (let i = 0; i < perChain && left > 0; i++, left--) current = (await post("/api/token/refresh/", { refresh: current })).refresh;
      }),
    );
  });

  const pad = (s, n) => String(s).padEnd(n);
  console.log(`\n${pad("step", 34)}${pad("count", 8)}${pad("bytes before", 14)}${pad("bytes after", 14)}bytes per unit`);
  for (const r of rows) console.log(`${pad(r.name, 34)}${pad(r.count, 8)}${pad(r.before, 14)}${pad(r.after, 14)}${r.per.toFixed(1)} per ${r.unit}`);
  const refresh = rows.at(-1);
  console.log(`\nbytes per refresh: ${refresh.per.toFixed(2)} (target <= 10) ${refresh.per <= 10 ? "met" : "NOT MET"}`);
} finally {
  await worker.dispose();
}
process.exit(0);
