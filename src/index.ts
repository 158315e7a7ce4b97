import app from "./app";
import type { EventMessage } from "./features/audit/events";
import { deleteOldEvents } from "./features/audit/retention";
import { consumeEvents } from "./features/audit/webhooks";
import { deleteExpiredRecords } from "./features/sessions/cleanup";
import type { Env } from "./kernel/config";

export type { AppType } from "./app";

export default {
  fetch: app.fetch,
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(deleteExpiredRecords(env));
    ctx.waitUntil(deleteOldEvents(env));
  },
  // EVENT_QUEUE: webhook deliveries and retried audit writes (features/audit/webhooks.ts).
  async queue(batch, env) {
    await consumeEvents(batch as MessageBatch<EventMessage>, env);
  },
} satisfies ExportedHandler<Env>;
