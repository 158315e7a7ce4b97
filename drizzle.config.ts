import { defineConfig } from "drizzle-kit";

// Each capability owns its tables; drizzle-kit reads them all into one migration history.
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/features/*/schema.ts",
  out: "./migrations",
});
