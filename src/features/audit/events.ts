import { randomHex } from "../../kernel/crypto";
import type { Deps } from "../../kernel/deps";
import { AppError, findAppError } from "../../kernel/errors";
import { describeError } from "../../kernel/log";
import type { AuditEvent } from "./audit-event";
import { insertEvent } from "./store";
import type { EventType } from "../../kernel/names";
import type { EventDetail, EventInput, SecurityEvent } from "../../kernel/events";

/**
 * Failures an attacker can cause at will for someone else's account: each is written only
 * within the account's AUDIT_FAILURE_BUDGET (10 per minute per Cloudflare location), so
 * guessing passwords cannot be turned into unbounded writes to the audit log. `mfa.failed`
 * is not among them: every one is written (it needs the password, and the account's
 * second-factor budget already bounds it to 10 per 15 minutes).
 */
const BUDGETED = new Set<string>(["login.failed"]);

/** Keys that could carry a secret never make it into `detail`, whatever a caller passes. */
const SECRET_KEY = /pass|token|secret|nonce|code|otp|hash|key|cookie|authorization/i;

function cleanDetail(detail: EventDetail | undefined): EventDetail {
  const out: EventDetail = {};
  for (const [k, v] of Object.entries(detail ?? {})) {
    if (SECRET_KEY.test(k)) continue;
    out[k] = typeof v === "string" ? v.slice(0, 200) : v;
  }
  return out;
}

/** Time-ordered id: the time in ms as 12 hex digits, then 64 random bits. */
const eventId = (atMs: number) => atMs.toString(16).padStart(12, "0") + randomHex(8);

export function buildEvent(d: Pick<Deps, "client">, type: EventType, e: EventInput, now = Date.now()): AuditEvent {
  return {
    id: eventId(now),
    at: new Date(now).toISOString(),
    type,
    user_id: e.userId,
    actor_id: e.actorId ?? null,
    session_id: e.sessionId ?? null,
    ip: d.client.ip,
    user_agent: d.client.userAgent,
    country: d.client.country,
    detail: cleanDetail(e.detail),
  };
}

/** What travels through EVENT_QUEUE: a webhook delivery, or an audit write that failed when first tried. */
export type EventMessage = { kind: "deliver" | "store"; event: AuditEvent };

/**
 * Records a security event: written to AUDIT_DB and, with WEBHOOK_URL set, queued for the
 * webhook, both after the answer (d.defer), so the request is never slowed or failed by
 * either. AUDIT_DB is another database than the action's, so the event cannot join the
 * action's batch: it is written once the action has committed; a write that fails is handed
 * to the queue, which retries it (docs/storage.md has the window in which one can be lost).
 */
export function recordEvent(d: Deps, { type, ...e }: SecurityEvent): void {
  const event = buildEvent(d, type, e);
  d.afterAnswer(() => persist(d, event));
}

async function persist(d: Deps, event: AuditEvent): Promise<void> {
  try {
    if (BUDGETED.has(event.type) && event.user_id !== null && !(await withinBudget(d, event.user_id))) {
      d.log.event("audit_event_dropped", { type: event.type, user_id: event.user_id, reason: "budget" });
      return;
    }
    await Promise.all([store(d, event), announce(d, event)]);
  } catch (err) {
    d.log.event("audit_event_failed", { id: event.id, type: event.type, error: describeError(err) });
  }
}

async function withinBudget(d: Deps, userId: number): Promise<boolean> {
  try {
    await d.limit([["AUDIT_FAILURE_BUDGET", String(userId)]]);
    return true;
  } catch (err) {
    if (findAppError(err)?.status === 429) return false;
    // A missing limiter binding is a deployment error (logged by the kernel): the event is still written.
    if (err instanceof AppError) return true;
    throw err;
  }
}

async function store(d: Deps, event: AuditEvent): Promise<void> {
  try {
    if (!d.auditDb) throw new Error("no AUDIT_DB binding");
    await insertEvent(d.auditDb, event);
  } catch (err) {
    if (!d.eventQueue) {
      d.log.event("audit_event_lost", { id: event.id, type: event.type, error: describeError(err) });
      return;
    }
    await d.eventQueue.send({ kind: "store", event } satisfies EventMessage);
    d.log.event("audit_event_queued", { id: event.id, type: event.type });
  }
}

async function announce(d: Deps, event: AuditEvent): Promise<void> {
  if (!d.config.webhook || !d.eventQueue) return;
  try {
    await d.eventQueue.send({ kind: "deliver", event } satisfies EventMessage);
  } catch (err) {
    d.log.event("webhook_enqueue_failed", { id: event.id, type: event.type, error: describeError(err) });
  }
}
