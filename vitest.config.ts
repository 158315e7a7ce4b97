import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// A fixed, test-only key: long enough to pass the worker's own check, never deployed.
const TEST_SIGNING_KEY = "test-only-signing-key-0123456789-abcdefghijklmnopqrstuvwxyz";
const TEST_MFA_KEY = "test-only-mfa-encryption-key-0123456789-abcdefghij";

export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            JWT_SIGNING_KEY: TEST_SIGNING_KEY,
            MFA_ENCRYPTION_KEY: TEST_MFA_KEY,
            MAIL_API_KEY: "test-mail-key",
            MAIL_API_URL: "https://mail.test/emails",
            BCRYPT_COST: "4",
            CORS_ALLOWED_ORIGINS: "https://example.com,https://sub.example.com,http://localhost:8080",
          },
        },
      }),
    ],
    test: {
      setupFiles: ["./test/support/setup.ts"],
      // The worker logs one JSON line per request; show them only for failing tests.
      silent: "passed-only" as const,
      testTimeout: 30_000,
      hookTimeout: 30_000,
    },
  };
});
