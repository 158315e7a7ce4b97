// `npm run bench:timing`: does an answer's timing tell whether an e-mail is registered?
// Runs the deployed bundle on workerd (Miniflare's API, the bindings of wrangler.toml, rate
// limits lifted), then sends interleaved requests one at a time and prints the median
// latency of: login with a registered e-mail and a wrong password vs an unknown e-mail (and
// an inactive account), the reset-mail request for a registered vs an unknown e-mail, the
// verification-mail request for an unverified vs an unknown e-mail, and the e-mail change
// request to a free vs an already registered new address (link vs notice).
// Target: medians within 10 % of each other. Exits 0 either way (a report, not a test).
//
// Then, apart (each sample costs about a second of CPU), the gap that users imported from
// Django still show until their first login re-hashes them: a wrong password against a
// PBKDF2-SHA256 hash at Django's 260,000 iterations vs an unknown e-mail.
//
// Env: TIMING_SAMPLES (per kind, default 40), TIMING_PBKDF2_SAMPLES (default 7).
import { fileURLToPath } from "node:url";
import { startMailServer } from "./lib/mail-server.mjs";
import { startWorker } from "./lib/worker.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SAMPLES = Number(process.env.TIMING_SAMPLES ?? 40);
const PASSWORD = "violet-Harbor-91";
const PBKDF2_SAMPLES = Number(process.env.TIMING_PBKDF2_SAMPLES ?? 7);
// From test/fixtures/django-hashes.json: what a stock Django 3.2-4.0 project stores.
const DJANGO_PBKDF2_260K = "pbkdf2_sha256$260000$aabA4Rjr5NtyxX1ALIu2D0$DTR2q3V+eGKRPID3jN7gjgqjmlXGh0NBaQsXkORhoLE=";

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

let worker;
let mail;
try {
  mail = await startMailServer();
  worker = await startWorker(ROOT, {
    extraBindings: { ACCESS_TOKEN_LIFETIME: "3600", MAIL_API_KEY: process.env.TIMING_NO_MAIL ? "" : "timing", MAIL_API_URL: mail.url },
  });
  const { url, db } = worker;

  let ip = 0;
  const post = async (path, body, token) => {
    const started = performance.now();
    const res = await fetch(url + path, {
      method: "POST",
      headers: { "content-type": "application/json", "cf-connecting-ip": `198.51.100.${ip++ % 250}`, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, ms: performance.now() - started, text };
  };

  const known = `timing.${Date.now()}@example.com`;
  const inactive = `inactive.${Date.now()}@example.com`;
  // One address of each kind, asked about again and again, as a prober would.
  const unknown = `nobody.${Date.now()}@example.com`;
  for (const email of [known, inactive]) {
    const r = await post("/api/user/register/", { email, name: "Timing", password: PASSWORD, password2: PASSWORD, tc: true });
    if (r.status !== 201) throw new Error(`seeding failed: ${r.status}`);
  }
  await db.prepare("UPDATE users SET is_active = 0 WHERE email = ?").bind(inactive).run();
  // The e-mail change: a signed-in user asks for a free address (a link) and a registered one (a notice).
  const changer = `changer.${Date.now()}@example.com`;
  const seeded = await post("/api/user/register/", { email: changer, name: "Changer", password: PASSWORD, password2: PASSWORD, tc: true });
  const access = JSON.parse(seeded.text).token.access;
  const freeAddress = `free.${Date.now()}@example.com`;

  const kinds = {
    "login: registered e-mail, wrong password": () => post("/api/user/login/", { email: known, password: "wrong-password-1" }),
    "login: unknown e-mail": () => post("/api/user/login/", { email: unknown, password: "wrong-password-1" }),
    "login: inactive account": () => post("/api/user/login/", { email: inactive, password: PASSWORD }),
    "reset: registered e-mail": () => post("/api/user/send-reset-password-email/", { email: known }),
    "reset: unknown e-mail": () => post("/api/user/send-reset-password-email/", { email: unknown }),
    "verification: unverified e-mail": () => post("/api/user/send-verification-email/", { email: known }),
    "verification: unknown e-mail": () => post("/api/user/send-verification-email/", { email: unknown }),
    "change-email: free new address": () => post("/api/user/change-email/", { new_email: freeAddress, current_password: PASSWORD }, access),
    "change-email: registered new address": () => post("/api/user/change-email/", { new_email: known, current_password: PASSWORD }, access),
  };
  const samples = Object.fromEntries(Object.keys(kinds).map((k) => [k, []]));
  // Warm-up (first bcrypt of the isolate builds the dummy hash), then interleave the kinds
  // in a fresh random order each round, so neither drift in the machine's load nor what
  // ran just before (a bcrypt, a mail going out) favours one kind.
  for (const [name, run] of Object.entries(kinds)) {
    const r = await run();
    if (!name.startsWith("login") && r.status !== 200) throw new Error(`${name}: ${r.status} ${r.text}`);
  }
  const entries = Object.entries(kinds);
  for (let i = 0; i < SAMPLES; i++) {
    for (let j = entries.length - 1; j > 0; j--) {
      const k = Math.floor(Math.random() * (j + 1));
      [entries[j], entries[k]] = [entries[k], entries[j]];
    }
    for (const [name, run] of entries) {
      const r = await run();
      samples[name].push(r.ms);
    }
  }

  const rows = Object.entries(samples).map(([name, xs]) => ({ name, median: median(xs) }));
  const pad = (s, n) => String(s).padEnd(n);
  console.log(`\n${pad("request", 44)} median ms (n=${SAMPLES})`);
  for (const r of rows) console.log(`${pad(r.name, 44)} ${r.median.toFixed(1)}`);
  const compare = (a, b) => {
    const x = rows.find((r) => r.name === a).median;
    const y = rows.find((r) => r.name === b).median;
    const diff = (Math.abs(x - y) / Math.min(x, y)) * 100;
    console.log(`${pad(`${b} vs ${a}`, 80)} ${diff.toFixed(1)} % ${diff <= 10 ? "(within 10 %)" : "(OVER 10 %)"}`);
  };
  console.log("");
  compare("login: registered e-mail, wrong password", "login: unknown e-mail");
  compare("login: registered e-mail, wrong password", "login: inactive account");
  compare("reset: registered e-mail", "reset: unknown e-mail");
  compare("verification: unverified e-mail", "verification: unknown e-mail");
  compare("change-email: free new address", "change-email: registered new address");

  // Imported, never logged in: the hash is still Django's. A wrong password re-hashes nothing,
  // so every probe pays the PBKDF2 again.
  const imported = `imported.${Date.now()}@example.com`;
  await db
    .prepare("INSERT INTO users (email, name, tc, password, created_at) VALUES (?, 'Imported', 1, ?, 0)")
    .bind(imported, DJANGO_PBKDF2_260K)
    .run();
  const gap = { imported: [], unknown: [] };
  for (let i = 0; i < PBKDF2_SAMPLES; i++) {
    gap.imported.push((await post("/api/user/login/", { email: imported, password: "wrong-password-1" })).ms);
    gap.unknown.push((await post("/api/user/login/", { email: unknown, password: "wrong-password-1" })).ms);
  }
  const [gi, gu] = [median(gap.imported), median(gap.unknown)];
  console.log(`\nimported Django user (pbkdf2_sha256, 260,000 iterations, never logged in here), wrong password: ${gi.toFixed(1)} ms median (n=${PBKDF2_SAMPLES})`);
  console.log(`unknown e-mail, same rounds: ${gu.toFixed(1)} ms; gap ${(gi - gu).toFixed(0)} ms (${(gi / gu).toFixed(1)}x)`);
  console.log(`mails the fake provider received: ${mail.stats?.received ?? "n/a"} (one per registered-address reset or verification request, two per e-mail change request)`);
} finally {
  await worker?.dispose();
  await mail?.close();
}
process.exit(0);
