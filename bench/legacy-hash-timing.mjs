// `npm run bench:legacy-hash`: the timing that is left between kinds of e-mail at login once
// the status codes match (issue 22, item 8). The bundle as deployed on workerd, every limit
// lifted except COSTLY_HASH_LIMITER (5 a minute per account, as in wrangler.toml). Medians of
// a wrong password for: an unknown e-mail, an ordinary account (the configured hasher), an
// imported Django account at 260,000 PBKDF2 iterations within its budget (the hash is
// checked), and the same account past the budget (a dummy check, answered 401 alike).
// Env: LEGACY_SAMPLES (per fast kind, default 20). docs/security.md quotes the numbers.
import { fileURLToPath } from "node:url";
import { startWorker } from "./lib/worker.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SAMPLES = Number(process.env.LEGACY_SAMPLES ?? 20);
const PASSWORD = "violet-Harbor-91";
const DJANGO_PBKDF2_260K = "pbkdf2_sha256$260000$aabA4Rjr5NtyxX1ALIu2D0$DTR2q3V+eGKRPID3jN7gjgqjmlXGh0NBaQsXkORhoLE=";
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const worker = await startWorker(ROOT, { ratelimits: { COSTLY_HASH_LIMITER: { limit: 5, period: 60 } } });
try {
  let ip = 0;
  const login = async (email) => {
    const started = performance.now();
    const res = await fetch(`${worker.url}/api/user/login/`, {
      method: "POST",
      headers: { "content-type": "application/json", "cf-connecting-ip": `198.51.100.${ip++ % 250}` },
      body: JSON.stringify({ email, password: "wrong-password-1" }),
    });
    await res.text();
    return { status: res.status, ms: performance.now() - started };
  };
  const stamp = Date.now();
  const ordinary = `ordinary.${stamp}@example.com`;
  const unknown = `nobody.${stamp}@example.com`;
  const imported = `imported.${stamp}@example.com`;
  const reg = await fetch(`${worker.url}/api/user/register/`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: ordinary, name: "Timing", password: PASSWORD, password2: PASSWORD, tc: true }),
  });
  if (reg.status !== 201) throw new Error(`seeding failed: ${reg.status}`);
  await worker.db.prepare("INSERT INTO users (email, name, tc, password, created_at) VALUES (?, 'Imported', 1, ?, 0)").bind(imported, DJANGO_PBKDF2_260K).run();
  for (const email of [unknown, ordinary]) await login(email); // warm-up: the isolate's dummy hash

  // Rate-limit windows are aligned to the clock minute: start just after one begins.
  const into = Date.now() % 60_000;
  if (into > 2_000) await new Promise((r) => setTimeout(r, 60_000 - into + 200));
  const minute = Math.floor(Date.now() / 60_000);
  const samples = { "unknown e-mail": [], "ordinary account": [], "imported PBKDF2, within budget (hash checked)": [], "imported PBKDF2, past budget (dummy check)": [] };
  const statuses = new Set();
  for (let i = 0; i < 5; i++) {
    const r = await login(imported);
    statuses.add(r.status);
    samples["imported PBKDF2, within budget (hash checked)"].push(r.ms);
  }
  for (let i = 0; i < SAMPLES; i++) {
    for (const [name, email] of [["unknown e-mail", unknown], ["ordinary account", ordinary], ["imported PBKDF2, past budget (dummy check)", imported]]) {
      const r = await login(email);
      statuses.add(r.status);
      samples[name].push(r.ms);
    }
  }
  const within = Math.floor(Date.now() / 60_000) === minute;
  console.log(`\nlogin, wrong password (PASSWORD_HASHER as in wrangler.toml); statuses seen: ${[...statuses].join(", ")}${within ? "" : " (the minute rolled over: some past-budget samples checked the hash)"}`);
  const base = median(samples["unknown e-mail"]);
  for (const [name, xs] of Object.entries(samples)) {
    const m = median(xs);
    console.log(`${name.padEnd(48)} median ${m.toFixed(1)} ms (n=${xs.length})  ${(m - base >= 0 ? "+" : "") + (m - base).toFixed(1)} ms vs unknown`);
  }
} finally {
  await worker.dispose();
}
process.exit(0);
