import app, { capabilities } from "./app";
import type { Capability } from "./kernel/capability";
import type { Env } from "./kernel/config";
import { withRequestStorage } from "./kernel/storage";

export type { AppType } from "./app";

const all: readonly Capability[] = capabilities;
const queueConsumer = all.find((c) => c.queue)?.queue;

export default {
  fetch: app.fetch,
  async scheduled(_controller, env, ctx) {
    // Through a D1 session like every request, on the primary (they only write).
    for (const cap of all) if (cap.daily) ctx.waitUntil(withRequestStorage(env.DB, { revocationReads: "primary" }, () => cap.daily!(env)));
  },
  // EVENT_QUEUE: webhook deliveries and retried audit writes (the audit capability's consumer).
  async queue(batch, env) {
    await queueConsumer?.(batch, env);
  },
} satisfies ExportedHandler<Env>;
