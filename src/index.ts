import app from "./app";
import type { EventMessage } from "./features/audit/events";
import { deleteOldEvents } from "./features/audit/retention";
import { consumeEvents } from "./features/audit/webhooks";
import { deleteEndedFailureWindows } from "./features/failure-budgets/cleanup";
import { deleteExpiredMailLinks } from "./features/mailed-links/cleanup";
import { deleteExpiredRecords } from "./features/sessions/cleanup";
import type { Env } from "./kernel/config";
import { withRequestStorage } from "./kernel/storage";

export type { AppType } from "./app";

export default {
  fetch: app.fetch,
  async scheduled(_controller, env, ctx) {
    // Through a D1 session like every request, on the primary (they only write).
    ctx.waitUntil(withRequestStorage(env.DB, true, () => Promise.all([deleteExpiredRecords(env), deleteExpiredMailLinks(env), deleteEndedFailureWindows(env)])));
    ctx.waitUntil(deleteOldEvents(env));
  },
  // EVENT_QUEUE: webhook deliveries and retried audit writes (features/audit/webhooks.ts).
  async queue(batch, env) {
    await consumeEvents(batch as MessageBatch<EventMessage>, env);
  },
} satisfies ExportedHandler<Env>;
