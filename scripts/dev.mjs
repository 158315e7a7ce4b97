// `npm run dev`: a local D1 with every migration applied, a local KV, then `wrangler dev`.
// Arguments after `--` go to `wrangler dev` unchanged (--port, --var NAME:VALUE, ...).
import { spawnSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

// The package's own bin file, run with this Node (22, from the `node` devDependency).
const wrangler = fileURLToPath(new URL("../node_modules/wrangler/bin/wrangler.js", import.meta.url));

if (!existsSync(".dev.vars")) {
  // A key made on this machine for this checkout only: never committed, never deployed
  // (deployments read JWT_SIGNING_KEY from `wrangler secret put`).
  const example = readFileSync(".dev.vars.example", "utf8");
  const key = randomBytes(48).toString("base64url");
  writeFileSync(".dev.vars", example.replace(/^JWT_SIGNING_KEY=.*$/m, `JWT_SIGNING_KEY=${key}`), { mode: 0o600 });
  console.log("Created .dev.vars with a new development-only JWT_SIGNING_KEY; mails are printed here (MAIL_TRANSPORT=log).");
} else {
  // A .dev.vars from before MAIL_TRANSPORT existed relied on the log fallback, which is gone.
  const vars = readFileSync(".dev.vars", "utf8");
  if (!/^\s*MAIL_(TRANSPORT|API_KEY)\s*=/m.test(vars)) {
    writeFileSync(".dev.vars", `${vars.replace(/\n?$/, "\n")}MAIL_TRANSPORT=log\n`, { mode: 0o600 });
    console.log("Added MAIL_TRANSPORT=log to .dev.vars: mails are printed here.");
  }
}
if (!/^MFA_ENCRYPTION_KEY=./m.test(readFileSync(".dev.vars", "utf8"))) {
  // The same for TOTP secrets at rest (also added to a .dev.vars made before MFA existed).
  const vars = readFileSync(".dev.vars", "utf8").replace(/^MFA_ENCRYPTION_KEY=.*\n?/m, "");
  writeFileSync(".dev.vars", `${vars.replace(/\n?$/, "\n")}MFA_ENCRYPTION_KEY=${randomBytes(32).toString("base64url")}\n`, { mode: 0o600 });
  console.log("Added a new development-only MFA_ENCRYPTION_KEY to .dev.vars.");
}

// Both databases: DB (accounts, sessions) and AUDIT_DB (the audit log, its own migrations).
for (const binding of ["DB", "AUDIT_DB"]) {
  const migrate = spawnSync(process.execPath, [wrangler, "d1", "migrations", "apply", binding, "--local"], {
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, CI: "true" },
  });
  if (migrate.status !== 0) process.exit(migrate.status ?? 1);
}

// Mails link to the worker's own pages (reset, verification, e-mail change) unless the
// developer names a front end: wrangler.toml's PASSWORD_RESET_URL (a front end at
// localhost:3000, the deployed default) is emptied for this run only, and an empty var means
// "unset" to the worker. A URL given with --var or in .dev.vars is kept.
const args = process.argv.slice(2);
const devVars = readFileSync(".dev.vars", "utf8");
const ownPages = [];
for (const name of ["PASSWORD_RESET_URL", "EMAIL_VERIFICATION_URL", "EMAIL_CHANGE_URL"]) {
  const given = args.some((a) => a.includes(`${name}:`)) || new RegExp(`^\\s*${name}\\s*=\\s*\\S`, "m").test(devVars);
  if (!given) ownPages.push("--var", `${name}:`);
}
if (ownPages.length) {
  console.log("Mails link to this worker's own pages; the links are printed here (pass --var PASSWORD_RESET_URL:<url> for a front end).");
}

// Links to the worker's own pages come from PUBLIC_URL only (never the request's Host): for
// this run, the address wrangler serves on (--ip/--port/--local-protocol, else wrangler.toml's
// [dev]), unless one is given with --var or in .dev.vars.
const publicUrl = [];
const publicGiven = args.some((a) => a.includes("PUBLIC_URL:")) || /^\s*PUBLIC_URL\s*=\s*\S/m.test(devVars);
if (!publicGiven) {
  const flag = (name) => {
    const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
    if (i < 0) return undefined;
    return args[i].includes("=") ? args[i].slice(args[i].indexOf("=") + 1) : args[i + 1];
  };
  const toml = readFileSync("wrangler.toml", "utf8");
  const devSection = toml.match(/^\[dev\]\n([\s\S]*?)(?=^\[|(?![\s\S]))/m)?.[1] ?? "";
  const fromToml = (key) => devSection.match(new RegExp(`^${key}\\s*=\\s*"?([^"\\n]+?)"?\\s*$`, "m"))?.[1];
  let host = flag("ip") ?? fromToml("ip") ?? "localhost";
  // Listening on every interface: the machine itself is reachable as localhost.
  if (host === "0.0.0.0" || host === "*" || host === "::") host = "localhost";
  if (host.includes(":") && !host.startsWith("[")) host = `[${host}]`;
  const port = flag("port") ?? fromToml("port") ?? "8787";
  const protocol = flag("local-protocol") ?? fromToml("local_protocol") ?? "http";
  const url = `${protocol}://${host}:${port}`;
  publicUrl.push("--var", `PUBLIC_URL:${url}`);
  console.log(`Links to this worker's own pages use PUBLIC_URL=${url} (pass --var PUBLIC_URL:<url> to change it).`);
}

const dev = spawn(process.execPath, [wrangler, "dev", ...ownPages, ...publicUrl, ...args], { stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
