// `node bench/make-django-dump.mjs --users N [--out FILE] [--iterations N] [--hashes K] [--seed S]`
// Writes a synthetic `manage.py dumpdata account.MyUser` file (to stdout without --out), as a
// 50,000-user Django export looks: valid pbkdf2_sha256 hashes, mixed-case addresses, every 13th
// user inactive, some who never logged in.
//
// Computing a real 260,000-iteration hash per user would take hours, so K distinct hashes
// (default 16, each with its own salt) are shared round-robin: user pk i has the password
// `bench-password-${i % K}`, which the worker verifies like any Django user's.
import { pbkdf2Sync, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    users: { type: "string", default: "1000" },
    out: { type: "string" },
    iterations: { type: "string", default: "260000" },
    hashes: { type: "string", default: "16" },
    seed: { type: "string", default: "1" },
  },
});
const users = Number(values.users);
const iterations = Number(values.iterations);
const pool = Number(values.hashes);
for (const [name, n] of Object.entries({ users, iterations, hashes: pool })) {
  if (!Number.isSafeInteger(n) || n < 1) {
    console.error(`make-django-dump: --${name} needs a positive integer`);
    process.exit(2);
  }
}

/** The password of the user with this pk (for logging a sample in). */
const passwordOf = (pk, k = pool) => `bench-password-${pk % k}`;

const SALT_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const hashes = Array.from({ length: pool }, (_, i) => {
  const salt = Array.from(randomBytes(22), (b) => SALT_CHARS[b % SALT_CHARS.length]).join("");
  const digest = pbkdf2Sync(passwordOf(i), salt, iterations, 32, "sha256").toString("base64");
  return `pbkdf2_sha256$${iterations}$${salt}$${digest}`;
});

// A small deterministic PRNG (mulberry32) so the same seed gives the same dump, hashes aside.
let state = Number(values.seed) >>> 0;
const rand = () => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Tim", "Margaret", "Dennis", "Élodie", "Søren", "Zoë"];
const LAST = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Perlman", "Berners-Lee", "Hamilton", "Ritchie", "O'Neil"];
const DOMAINS = ["example.com", "Example.ORG", "mail.example.net", "EXAMPLE.IO"];
const pick = (list) => list[Math.floor(rand() * list.length)];
const START = Date.parse("2019-01-01T00:00:00Z");
const SPAN = Date.parse("2026-01-01T00:00:00Z") - START;
const iso = (ms) => new Date(ms).toISOString();

const out = values.out ? createWriteStream(values.out) : process.stdout;
const write = (s) => (out.write(s) ? null : new Promise((r) => out.once("drain", r)));

await write("[\n");
for (let pk = 1; pk <= users; pk++) {
  const first = pick(FIRST);
  const last = pick(LAST);
  // Mixed case in the local part (kept) and the domain (lower-cased by normalize_email).
  const local = pk % 3 === 0 ? `${first}.${last}.${pk}` : `${first.toLowerCase()}${pk}`;
  const created = START + Math.floor(rand() * SPAN);
  const updated = created + Math.floor(rand() * 86_400_000 * 30);
  const entry = {
    model: "account.myuser",
    pk,
    fields: {
      password: hashes[pk % pool],
      last_login: pk % 4 === 0 ? null : iso(updated + Math.floor(rand() * 86_400_000)),
      email: `${local.replace(/[^A-Za-z0-9.]/g, "")}@${pick(DOMAINS)}`,
      name: `${first} ${last}`,
      tc: true,
      is_active: pk % 13 !== 0,
      is_admin: pk === 1,
      created_at: iso(created),
      updated_at: iso(updated),
    },
  };
  const p = write(`${JSON.stringify(entry, null, 2)}${pk < users ? "," : ""}\n`);
  if (p) await p;
}
await write("]\n");
if (values.out) await new Promise((r) => out.end(r));
console.error(`make-django-dump: ${users} users${values.out ? ` in ${values.out}` : ""}; ${pool} pbkdf2_sha256 hashes at ${iterations} iterations; pk i logs in with "bench-password-<i % ${pool}>"`);
