import { defineConfig } from "drizzle-kit";

// The audit log lives in its own D1 database (binding AUDIT_DB), with its own migration history.
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/features/*/audit-schema.ts",
  out: "./migrations-audit",
});
