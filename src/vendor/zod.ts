/**
 * Build-time stand-in for "zod" (wrangler.toml [alias]), mirroring zod/index.js. zod's
 * `z` namespace re-exports 48 translated locale bundles; esbuild cannot drop them from a
 * namespace object that libraries use as a value, and they were 257 KiB of the 744 KiB
 * minified worker. Everything else is zod's own code; English, zod's default, is still
 * registered by ZodType's constructor. Only the deployed bundle and the benchmark use it.
 */
import * as z from "./zod-classic";
export * from "./zod-classic";
export { z, z as default };
