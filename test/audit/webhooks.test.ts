import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { AuditEvent } from "../../src/features/audit/audit-event";
import { buildEvent, type EventMessage } from "../../src/features/audit/events";
import { consumeEvents, retryDelay } from "../../src/features/audit/webhooks";
import { api, envWith, uniqueEmail, GOOD_PASSWORD } from "../support/api";
import { userIdOf, waitForEvent } from "../support/audit";

const SECRET = `whsec_${btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))}`;
const HOOK_URL = "https://hooks.test/receiver";
const VARS = { WEBHOOK_URL: HOOK_URL, WEBHOOK_SECRET: SECRET, WEBHOOK_TIMEOUT_MS: "300" };

interface Received {
  headers: Record<string, string>;
  body: string;
}

/** A webhook receiver at the HTTP boundary: `respond` decides each attempt's answer. */
function installReceiver(respond: (attempt: number) => Response | Promise<Response> = () => new Response("ok")) {
  const received: Received[] = [];
  let attempts = 0;
  const real = globalThis.fetch;
  const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const req = new Request(input as RequestInfo, init);
    if (req.url !== HOOK_URL) return real(input as RequestInfo, init);
    attempts++;
    const body = await req.text();
    const res = await Promise.race([
      respond(attempts),
      new Promise<never>((_, reject) => req.signal.addEventListener("abort", () => reject(req.signal.reason))),
    ]);
    received.push({ headers: Object.fromEntries(req.headers), body });
    return res;
  });
  return { received, attempts: () => attempts, restore: () => spy.mockRestore() };
}

/** A queue batch as the platform hands it to the consumer, recording what the consumer decided. */
function fakeBatch(event: AuditEvent, attempts = 1, kind: EventMessage["kind"] = "deliver") {
  const decisions: { ack: number; retry: { delaySeconds?: number }[] } = { ack: 0, retry: [] };
  const message = {
    id: "m1",
    timestamp: new Date(),
    attempts,
    body: { kind, event },
    ack: () => decisions.ack++,
    retry: (o: { delaySeconds?: number } = {}) => decisions.retry.push(o),
  };
  const batch = { queue: "edge-auth-events", messages: [message], ackAll: () => decisions.ack++, retryAll: (o = {}) => decisions.retry.push(o) };
  return { batch: batch as unknown as MessageBatch<EventMessage>, decisions };
}

const sampleEvent = () =>
  buildEvent({ client: { ip: "198.51.100.7", userAgent: "UA/1", country: "FR" } }, "login.succeeded", { userId: 7, sessionId: "ab".repeat(16), detail: { method: "password" } });

let receiver: ReturnType<typeof installReceiver> | undefined;
afterEach(() => receiver?.restore());

describe("webhooks: Standard Webhooks delivery", () => {
  it("POSTs the event signed so that the standardwebhooks library, as an independent receiver, verifies it", async () => {
    receiver = installReceiver();
    const event = sampleEvent();
    const { batch, decisions } = fakeBatch(event);
    await consumeEvents(batch, envWith(VARS) as never);
    expect(decisions).toEqual({ ack: 1, retry: [] });
    expect(receiver.received).toHaveLength(1);
    const { headers, body } = receiver.received[0]!;
    expect(headers["webhook-id"]).toBe(event.id);
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(headers["content-type"]).toBe("application/json");
    const payload = new Webhook(SECRET).verify(body, headers) as { type: string; data: AuditEvent };
    expect(payload.type).toBe("login.succeeded");
    expect(payload.data).toEqual(event);
    // A tampered body or another secret fails verification.
    expect(() => new Webhook(SECRET).verify(body.replace("198.51.100.7", "198.51.100.8"), headers)).toThrow();
    expect(() => new Webhook(`whsec_${btoa("another-secret-of-enough-bytes!!")}`).verify(body, headers)).toThrow();
  });

  it("a receiver failing its first attempt (500) gets the event on the retry, with the same id and a fresh signature", async () => {
    receiver = installReceiver((n) => (n === 1 ? new Response("down", { status: 500 }) : new Response(null, { status: 204 })));
    const event = sampleEvent();
    const first = fakeBatch(event, 1);
    await consumeEvents(first.batch, envWith(VARS) as never);
    expect(first.decisions.ack).toBe(0);
    expect(first.decisions.retry).toHaveLength(1);
    expect(first.decisions.retry[0]!.delaySeconds).toBeGreaterThanOrEqual(5);
    expect(first.decisions.retry[0]!.delaySeconds).toBeLessThanOrEqual(6);
    const second = fakeBatch(event, 2);
    await consumeEvents(second.batch, envWith(VARS) as never);
    expect(second.decisions).toEqual({ ack: 1, retry: [] });
    const last = receiver.received.at(-1)!;
    expect(last.headers["webhook-id"]).toBe(event.id);
    expect((new Webhook(SECRET).verify(last.body, last.headers) as { data: AuditEvent }).data.id).toBe(event.id);
  });

  it("a timeout, a redirect and a 4xx are failures retried with growing delays", async () => {
    receiver = installReceiver((n) => (n === 1 ? new Promise<Response>(() => {}) : n === 2 ? new Response(null, { status: 302, headers: { location: "https://elsewhere.test/" } }) : new Response("no", { status: 400 })));
    const event = sampleEvent();
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const { batch, decisions } = fakeBatch(event, attempt);
      await consumeEvents(batch, envWith(VARS) as never);
      expect(decisions.ack).toBe(0);
      delays.push(decisions.retry[0]!.delaySeconds!);
    }
    expect(delays[0]).toBeLessThan(delays[1]!);
    expect(delays[1]).toBeLessThan(delays[2]!);
    expect([1, 2, 3, 4, 5, 6, 7, 8, 20].map((n) => retryDelay(n, 0))).toEqual([5, 30, 120, 600, 1800, 3600, 7200, 21600, 21600]);
  });

  it("a 'store' message writes the event to AUDIT_DB, once however often it is redelivered", async () => {
    const event = { ...sampleEvent(), user_id: -77 };
    for (let i = 0; i < 2; i++) {
      const { batch, decisions } = fakeBatch(event, i + 1, "store");
      await consumeEvents(batch, env as never);
      expect(decisions.ack).toBe(1);
    }
    const rows = await env.AUDIT_DB.prepare("SELECT id, ip FROM events WHERE user_id = -77").all();
    expect(rows.results).toEqual([{ id: event.id, ip: "198.51.100.7" }]);
    await env.AUDIT_DB.prepare("DELETE FROM events WHERE user_id = -77").run();
  });
});

describe("webhooks: the request that causes an event", () => {
  it("enqueues a delivery for the event when WEBHOOK_URL is set, after the answer", async () => {
    const sent: EventMessage[] = [];
    const queue = { send: async (m: EventMessage) => void sent.push(m), sendBatch: async () => {} };
    const email = uniqueEmail("hook");
    const res = await api("/api/user/register/", {
      body: { email, name: "Hook", password: GOOD_PASSWORD, password2: GOOD_PASSWORD, tc: true },
      vars: VARS,
      bindings: { EVENT_QUEUE: queue },
    });
    expect(res.status).toBe(201);
    const id = await userIdOf(email);
    expect(sent).toEqual([{ kind: "deliver", event: expect.objectContaining({ type: "user.registered", user_id: id }) }]);
    await waitForEvent(id, "user.registered");
  });

  it("is neither failed nor slowed when the queue and the audit database both fail", async () => {
    const broken = { send: async () => Promise.reject(new Error("queue down")) };
    const brokenDb = new Proxy(env.AUDIT_DB, {
      get(target, prop) {
        if (prop === "prepare") return () => ({ bind: () => ({ run: () => Promise.reject(new Error("d1 down")), all: () => Promise.reject(new Error("d1 down")), raw: () => Promise.reject(new Error("d1 down")) }) });
        return Reflect.get(target, prop, target);
      },
    });
    const email = uniqueEmail("hookfail");
    const started = Date.now();
    const res = await api("/api/user/register/", {
      body: { email, name: "Hook", password: GOOD_PASSWORD, password2: GOOD_PASSWORD, tc: true },
      vars: VARS,
      bindings: { EVENT_QUEUE: broken, AUDIT_DB: brokenDb },
    });
    expect(res.status).toBe(201);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("the real EVENT_QUEUE of wrangler.toml reaches this worker's queue consumer (a retried audit write lands)", async () => {
    const event = { ...sampleEvent(), user_id: -78 };
    await env.EVENT_QUEUE.send({ kind: "store", event } satisfies EventMessage);
    const started = Date.now();
    for (;;) {
      const row = await env.AUDIT_DB.prepare("SELECT id FROM events WHERE user_id = -78").first("id");
      if (row) {
        expect(row).toBe(event.id);
        break;
      }
      if (Date.now() - started > 10_000) throw new Error("the queue consumer did not run within 10 s");
      await new Promise((r) => setTimeout(r, 100));
    }
    await env.AUDIT_DB.prepare("DELETE FROM events WHERE user_id = -78").run();
  });
});
