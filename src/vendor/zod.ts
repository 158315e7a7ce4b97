/**
 * Build-time stand-in for "zod" (wrangler.toml [alias]). @hono/zod-openapi hands zod's `z`
 * namespace to zod-to-openapi as a value, so the bundler keeps every export of it, including
 * `z.locales`: 48 translations (about 260 KiB raw, 50 KiB gzip) of messages this API never
 * shows (it words its own, DRF's). This `z` is the same zod, built from the same public
 * entry, minus `locales` and `core`; zod's English messages are imported by zod itself.
 */
import * as z from "./zod-names";

export * from "./zod-names";
export { z, z as default };
