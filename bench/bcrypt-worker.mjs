// The bound for the login scenario: a worker that does nothing but one bcrypt compare per
// request, with the same library (bcryptjs, async API, as src/features/passwords/django-hashers.ts calls it),
// at the configured cost, on the same workerd, with the same compatibility date and flags.
// bench/run.mjs bundles it with esbuild and serves it next to the real worker; the hash and
// the password arrive as bindings (BENCH_HASH is made on the host at BCRYPT_COST).
import bcrypt from "bcryptjs";

export default {
  /** @param {Request} _request @param {{ BENCH_PASSWORD: string, BENCH_HASH: string }} env */
  async fetch(_request, env) {
    const ok = await bcrypt.compare(env.BENCH_PASSWORD, env.BENCH_HASH);
    return new Response(ok ? '{"ok":true}' : '{"ok":false}', {
      status: ok ? 200 : 500,
      headers: { "content-type": "application/json" },
    });
  },
};
