import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { configDefaults, defineConfig } from "vitest/config";

// Test files that need rows with fixed ids (the users simplejwt's tokens and the Django dump
// were made for) get a database of their own: one isolated worker each.
const OWN_DATABASE = ["test/sessions/interop.test.ts", "test/import/import-django.test.ts", "test/admin/last-admin.test.ts"];

// A fixed, test-only key: long enough to pass the worker's own check, never deployed.
const TEST_SIGNING_KEY = "test-only-signing-key-0123456789-abcdefghijklmnopqrstuvwxyz";
const TEST_MFA_KEY = "test-only-mfa-encryption-key-0123456789-abcdefghij";

export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  const auditMigrations = await readD1Migrations("./migrations-audit");
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          // Whatever a test has not faked (a mail sent after the answer by a test that installed
          // no mailbox, say) stops here instead of asking DNS for mail.test: no test ever leaves
          // the machine, and a 502 is what a provider that is down answers.
          outboundService: (request: Request) => {
            const host = new URL(request.url).host;
            return new Response(`no fake for ${host} in this test`, { status: 502 });
          },
          bindings: {
            TEST_MIGRATIONS: migrations,
            TEST_AUDIT_MIGRATIONS: auditMigrations,
            JWT_SIGNING_KEY: TEST_SIGNING_KEY,
            MFA_ENCRYPTION_KEY: TEST_MFA_KEY,
            MAIL_API_KEY: "test-mail-key",
            // Set here so a developer's .dev.vars (which the plugin also reads) cannot change the suite.
            MAIL_TRANSPORT: "http",
            MAIL_API_URL: "https://mail.test/emails",
            // The suite's own tests were written for bcrypt_sha256 at cost 4 (fast); the scrypt
            // default runs in test/passwords/hasher.test.ts, switched per call, at a small N.
            PASSWORD_HASHER: "bcrypt",
            BCRYPT_COST: "4",
            SCRYPT_N: "1024",
            CORS_ALLOWED_ORIGINS: "https://example.com,https://sub.example.com,http://localhost:8080",
            // The origin the suite calls the worker on (test/support/api.ts BASE): links to its own pages.
            PUBLIC_URL: "https://auth.test",
          },
        },
      }),
    ],
    // wrangler.toml's [alias] for "zod" (zod without its locales), so the suite runs the zod
    // the bundle deploys. Exact match: the stand-in's own "zod/v4" is the real package.
    resolve: { alias: [{ find: /^zod$/, replacement: "/src/vendor/zod.ts" }] },
    test: {
      setupFiles: ["./test/support/setup.ts"],
      // Pre-bundled, sha2.js calls its helpers directly instead of through Vite's module
      // namespace getters: a 260,000-iteration PBKDF2 takes ~2 s here instead of ~10 s.
      deps: { optimizer: { ssr: { enabled: true, include: ["@noble/hashes/sha2.js"] } } },
      // Transformed by Vite, so that its import of "zod" takes the alias above.
      server: { deps: { inline: ["@hono/zod-openapi"] } },
      // The worker logs one JSON line per request; show them only for failing tests.
      silent: "passed-only" as const,
      testTimeout: 30_000,
      hookTimeout: 30_000,
      // Two per core: a test spends much of its time waiting (a mail sent after the answer, a
      // provider that hangs, a rate-limit window), and another file's test fills that wait. On
      // 2 cores: 64 s with 2 workers, 56-58 with 3, 50-53 with 4, 61 with 6. At most 8: each
      // worker holds its own copy of the app and its storage state.
      maxWorkers: Math.min(8, Math.max(2, (typeof navigator === "undefined" ? 1 : navigator.hardwareConcurrency) * 2)),
      // Starting workerd and transforming src/ again for every file cost ~2 s a file, most of the
      // suite's time: the other files share their workers (and so D1, KV and module state), and
      // are written for it (unique e-mails, counts scoped to their own rows).
      projects: [
        { extends: true, test: { name: "shared", exclude: [...configDefaults.exclude, ...OWN_DATABASE], isolate: false } },
        { extends: true, test: { name: "own-database", include: OWN_DATABASE, isolate: true } },
      ],
    },
  };
});
