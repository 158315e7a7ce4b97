// `npm run keys:generate -- --alg ES256 [--add-to keys.json]`: a new private signing key as
// a JWK with a kid, ready for `wrangler secret put JWT_PRIVATE_KEYS`. With --add-to, the
// key is appended to the JSON array in that file (verify-only until moved first): see
// the key-rotation runbook in docs/deploying.md. The key is printed to stdout only.
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from "jose";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const args = process.argv.slice(2);
if (args.includes("--mfa")) {
  // `npm run --silent keys:generate -- --mfa`: a key for MFA_ENCRYPTION_KEY (32 random bytes, base64url).
  const { randomBytes } = await import("node:crypto");
  console.log(randomBytes(32).toString("base64url"));
  console.error("New MFA_ENCRYPTION_KEY entry. Put it FIRST in the comma-separated list (docs/mfa.md: MFA encryption key).");
  process.exit(0);
}
if (args.includes("--webhook")) {
  // `npm run --silent keys:generate -- --webhook`: a Standard Webhooks secret for WEBHOOK_SECRET.
  const { randomBytes } = await import("node:crypto");
  console.log(`whsec_${randomBytes(32).toString("base64")}`);
  console.error("New WEBHOOK_SECRET: give the same value to the receiver (docs/audit.md: Webhooks).");
  process.exit(0);
}
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const alg = opt("--alg") ?? "ES256";
const options = { ES256: {}, EdDSA: { crv: "Ed25519" }, RS256: { modulusLength: 2048 } }[alg];
if (!options) {
  console.error(`--alg must be ES256, EdDSA or RS256 (HS256 uses JWT_SIGNING_KEY: openssl rand -base64 48)`);
  process.exit(2);
}

const { privateKey } = await generateKeyPair(alg, { ...options, extractable: true });
const jwk = await exportJWK(privateKey);
const date = new Date().toISOString().slice(0, 10);
jwk.kid = `${date}-${(await calculateJwkThumbprint(jwk)).slice(0, 8)}`;
jwk.alg = alg;

const file = opt("--add-to");
if (file) {
  const keys = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : [];
  keys.push(jwk);
  writeFileSync(file, JSON.stringify(keys), { mode: 0o600 });
  console.error(`Added ${jwk.kid} to ${file} (${keys.length} keys). Then: npx wrangler secret put JWT_PRIVATE_KEYS < ${file}`);
} else {
  console.log(JSON.stringify([jwk]));
  console.error(`New ${alg} key ${jwk.kid}. Store it: npm run --silent keys:generate -- --alg ${alg} > keys.json && npx wrangler secret put JWT_PRIVATE_KEYS < keys.json`);
}
