// `npm run admin:promote -- <email> [--demote] [--remote] [--persist-to DIR]`
// Makes an existing account an admin (is_admin = 1), or takes it back with --demote: Django's
// `createsuperuser` for an account that exists. Local D1 (what `npm run dev` uses) unless --remote.
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { runWrangler } from "./lib/d1.mjs";

const USAGE = `Usage: npm run admin:promote -- <email> [--demote] [--remote] [--persist-to DIR]

Sets is_admin on the account with this e-mail (any letter case) in the D1 database DB:
the local one \`npm run dev\` uses, unless --remote. With --demote, clears it.
The change takes effect on the account's next request (no new login needed).`;

const root = fileURLToPath(new URL("..", import.meta.url));

let args;
try {
  args = parseArgs({
    allowPositionals: true,
    options: {
      remote: { type: "boolean", default: false },
      demote: { type: "boolean", default: false },
      "persist-to": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
} catch (e) {
  console.error(`admin:promote: ${/** @type {Error} */ (e).message}\n\n${USAGE}`);
  process.exit(2);
}
if (args.values.help) {
  console.log(USAGE);
  process.exit(0);
}
const email = args.positionals[0]?.trim();
if (!email || args.positionals.length !== 1 || !email.includes("@") || /[\u0000-\u001f]/.test(email)) {
  console.error(`admin:promote: give exactly one e-mail address\n\n${USAGE}`);
  process.exit(2);
}

// A SQL string literal: single quotes doubled (wrangler's --command takes no bound parameters).
const literal = `'${email.replace(/'/g, "''")}'`;
const flag = args.values.demote ? 0 : 1;
const now = Date.now();
const sql = `UPDATE users SET is_admin = ${flag}, updated_at = ${now} WHERE lower(email) = lower(${literal}) RETURNING id, email, is_admin, is_active`;
const where = args.values.remote ? ["--remote"] : ["--local", ...(args.values["persist-to"] ? ["--persist-to", args.values["persist-to"]] : [])];
const r = runWrangler(root, ["d1", "execute", "DB", ...where, "--json", "--command", sql]);
if (r.status !== 0) {
  console.error(`admin:promote: wrangler d1 execute failed:\n${`${r.stdout}\n${r.stderr}`.trim()}`);
  process.exit(1);
}
let rows = [];
try {
  rows = JSON.parse(r.stdout)?.[0]?.results ?? [];
} catch {
  console.error(`admin:promote: could not read wrangler's answer:\n${r.stdout}`);
  process.exit(1);
}
if (rows.length === 0) {
  console.error(`admin:promote: no account with the e-mail ${email} in ${args.values.remote ? "the remote" : "the local"} database DB`);
  process.exit(1);
}
const u = rows[0];
console.log(`${u.email} (id ${u.id}) is ${u.is_admin ? "now an admin" : "no longer an admin"}${u.is_active ? "" : " (the account is inactive)"}.`);

// The audit log's row (the worker's own events go through d.securityEvent; this change is made
// outside it): the same shape, with no IP or session, in AUDIT_DB. The change above stands if it fails.
const type = args.values.demote ? "admin.demoted" : "admin.promoted";
const eventId = now.toString(16).padStart(12, "0") + randomBytes(8).toString("hex");
const detail = JSON.stringify({ via: "admin:promote", is_admin: Boolean(u.is_admin) });
const insert = `INSERT INTO events (id, at, type, user_id, detail) VALUES ('${eventId}', ${now}, '${type}', ${Number(u.id)}, '${detail}')`;
const audit = runWrangler(root, ["d1", "execute", "AUDIT_DB", ...where, "--json", "--command", insert]);
if (audit.status !== 0) console.error(`admin:promote: the audit event was not written (is AUDIT_DB migrated?):\n${`${audit.stdout}\n${audit.stderr}`.trim()}`);
