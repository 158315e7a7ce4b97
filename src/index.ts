import app from "./app";
import { deleteExpiredMailLinks } from "./features/mailed-links/cleanup";
import { deleteExpiredRecords } from "./features/sessions/cleanup";
import type { Env } from "./kernel/config";

export type { AppType } from "./app";

export default {
  fetch: app.fetch,
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(deleteExpiredRecords(env));
    ctx.waitUntil(deleteExpiredMailLinks(env));
  },
} satisfies ExportedHandler<Env>;
