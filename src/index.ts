import app from "./app";
import { deleteExpiredRecords } from "./features/sessions/cleanup";
import type { Env } from "./kernel/config";
import { withRequestStorage } from "./kernel/storage";

export type { AppType } from "./app";

export default {
  fetch: app.fetch,
  async scheduled(_controller, env, ctx) {
    // Through a D1 session like every request, on the primary (it only writes).
    ctx.waitUntil(withRequestStorage(env.DB, true, () => deleteExpiredRecords(env)));
  },
} satisfies ExportedHandler<Env>;
