// The bound for the login scenario: a worker that does nothing but one verification of the
// configured hasher per request (PASSWORD_HASHER in wrangler.toml), with the same library the
// app uses (bcryptjs' async compare, or workerd's native node:crypto scrypt with an explicit
// maxmem, as src/features/passwords/scrypt.ts calls it), on the same workerd, with the same
// compatibility date and flags. bench/run.mjs bundles it with esbuild (node:crypto external)
// and serves it next to the real worker; the password and a hash made on the host arrive as
// bindings (BENCH_HASH: a bare $2b$ bcrypt hash at BCRYPT_COST, or Django's
// scrypt$N$salt$r$p$hash at SCRYPT_N/R/P).
import bcrypt from "bcryptjs";
import { scrypt } from "node:crypto";

const utf8 = new TextEncoder();

function verifyScrypt(password, stored) {
  const [, n, salt, r, p, expected] = stored.split("$");
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  return new Promise((resolve, reject) =>
    scrypt(utf8.encode(password), utf8.encode(salt), 64, { ...params, maxmem: 128 * params.r * (params.N + params.p + 2) }, (err, key) => {
      if (err) return reject(err);
      let binary = "";
      for (const byte of new Uint8Array(key.buffer, key.byteOffset, key.byteLength)) binary += String.fromCharCode(byte);
      resolve(btoa(binary) === expected);
    }),
  );
}

export default {
  /** @param {Request} _request @param {{ BENCH_PASSWORD: string, BENCH_HASH: string }} env */
  async fetch(_request, env) {
    const ok = env.BENCH_HASH.startsWith("scrypt$") ? await verifyScrypt(env.BENCH_PASSWORD, env.BENCH_HASH) : await bcrypt.compare(env.BENCH_PASSWORD, env.BENCH_HASH);
    return new Response(ok ? '{"ok":true}' : '{"ok":false}', {
      status: ok ? 200 : 500,
      headers: { "content-type": "application/json" },
    });
  },
};
