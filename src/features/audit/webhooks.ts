import { getConfig, type Config, type Env } from "../../kernel/config";
import { describeError, logError, logInfo, type LogFields } from "../../kernel/log";
import { getDb } from "../../kernel/storage";
import type { AuditEvent } from "./audit-event";
import type { EventMessage } from "./events";
import { insertEvent } from "./store";

/**
 * Standard Webhooks (standardwebhooks.com): the signed content is `<id>.<timestamp>.<body>`,
 * the signature `v1,<base64 HMAC-SHA256>`. The id is the event's (the same on every retry,
 * so a receiver can drop duplicates); the timestamp is the attempt's, so a retry hours later
 * still passes the receiver's tolerance window.
 */
async function signWebhook(key: Uint8Array, id: string, timestamp: number, body: string): Promise<string> {
  const hmacKey = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", hmacKey, new TextEncoder().encode(`${id}.${timestamp}.${body}`)));
  let bin = "";
  for (const b of mac) bin += String.fromCharCode(b);
  return `v1,${btoa(bin)}`;
}

/** The JSON body of a delivery: Standard Webhooks' recommended envelope. */
const webhookBody = (event: AuditEvent) => JSON.stringify({ type: event.type, timestamp: event.at, data: event });

/** One attempt: true when the receiver answered 2xx within WEBHOOK_TIMEOUT_MS. */
async function deliver(config: Config, event: AuditEvent): Promise<{ ok: boolean; status?: number }> {
  const hook = config.webhook!;
  const body = webhookBody(event);
  const timestamp = Math.floor(Date.now() / 1000);
  const res = await fetch(hook.url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "user-agent": "edge-auth-webhooks/1",
      "webhook-id": event.id,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": await signWebhook(hook.key, event.id, timestamp, body),
    },
    body,
    redirect: "manual",
    signal: AbortSignal.timeout(config.WEBHOOK_TIMEOUT_MS),
  });
  await res.body?.cancel();
  return { ok: res.status >= 200 && res.status < 300, status: res.status };
}

/**
 * Seconds before attempt n+1 after n failed ones: 5 s, 30 s, 2 min, 10 min, 30 min, 1 h,
 * 2 h, 6 h (with max_retries = 8 in wrangler.toml: nine attempts over about ten hours), then
 * the dead-letter queue. Each delay gets up to 10% of jitter so that a receiver coming back
 * is not hit by every retry at once.
 */
const RETRY_DELAYS_S = [5, 30, 120, 600, 1800, 3600, 7200, 21600] as const;
export function retryDelay(attempts: number, random = Math.random()): number {
  const base = RETRY_DELAYS_S[Math.min(Math.max(attempts, 1), RETRY_DELAYS_S.length) - 1]!;
  return Math.round(base * (1 + random * 0.1));
}

// The queue consumer runs outside any request: the kernel's operator log lines.
const log = (level: "info" | "error", event: string, fields: LogFields) => (level === "error" ? logError : logInfo)(event, fields);

/**
 * The EVENT_QUEUE consumer: delivers webhooks and writes events whose first write failed.
 * Anything but success is retried with backoff; after max_retries the platform moves the
 * message to the dead-letter queue. Runs apart from any request, so it never delays one.
 */
export async function consumeEvents(batch: MessageBatch<EventMessage>, env: Env): Promise<void> {
  let config: Config;
  try {
    config = getConfig(env);
  } catch (err) {
    logError("event_queue_config_invalid", { error: describeError(err) });
    batch.retryAll({ delaySeconds: retryDelay(1) });
    return;
  }
  await Promise.all(
    batch.messages.map(async (message) => {
      const { kind, event } = message.body;
      try {
        if (kind === "store") {
          if (!env.AUDIT_DB) throw new Error("no AUDIT_DB binding");
          await insertEvent(getDb(env.AUDIT_DB, config.STORAGE_TIMEOUT_MS), event);
          log("info", "audit_event_stored", { id: event.id, attempts: message.attempts });
          message.ack();
          return;
        }
        if (!config.webhook) {
          // WEBHOOK_URL was removed since the event was queued: nothing to deliver to.
          log("info", "webhook_skipped", { id: event.id, reason: "not_configured" });
          message.ack();
          return;
        }
        const result = await deliver(config, event);
        if (result.ok) {
          log("info", "webhook_delivered", { id: event.id, type: event.type, status: result.status, attempts: message.attempts });
          message.ack();
        } else {
          const delay = retryDelay(message.attempts);
          log("error", "webhook_failed", { id: event.id, type: event.type, status: result.status, attempts: message.attempts, retry_in_s: delay });
          message.retry({ delaySeconds: delay });
        }
      } catch (err) {
        const delay = retryDelay(message.attempts);
        log("error", kind === "store" ? "audit_event_store_failed" : "webhook_failed", {
          id: event.id,
          type: event.type,
          attempts: message.attempts,
          retry_in_s: delay,
          error: err instanceof Error ? `${err.name}: ${err.message.split("\nparams:")[0]}` : String(err),
        });
        message.retry({ delaySeconds: delay });
      }
    }),
  );
}
