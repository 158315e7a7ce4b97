import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { eventTypes as EVENT_TYPES } from "../../src/app";
import { deleteOldEvents } from "../../src/features/audit/retention";
import worker from "../../src/index";
import { api, BASE, GOOD_PASSWORD, registerUser, uniqueEmail } from "../support/api";
import { installMailbox, linkFrom } from "../support/mailbox";
import { eventsOf, registerAdmin, userIdOf, waitForEvent } from "../support/audit";

const IP = "203.0.113.77";
const UA = "AuditTest/1.0 (+https://example.com)";

describe("audit: events carry who, from where, and never a secret", () => {
  it("records the sender's CF-Connecting-IP, User-Agent and request.cf country", async () => {
    const email = uniqueEmail("cf");
    const req = new Request(`${BASE}/api/user/register/`, {
      method: "POST",
      headers: { "content-type": "application/json", "cf-connecting-ip": IP, "user-agent": UA },
      body: JSON.stringify({ email, name: "Cf User", password: GOOD_PASSWORD, password2: GOOD_PASSWORD, tc: true }),
      cf: { country: "DE" },
    } as RequestInit);
    const ctx = createExecutionContext();
    const { default: app } = await import("../../src/app");
    const res = await app.fetch(req, env, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(201);
    const [event] = await waitForEvent(await userIdOf(email), "user.registered");
    expect(event).toMatchObject({ ip: IP, user_agent: UA, country: "DE", actor_id: null });
    expect(event!.id).toMatch(/^[0-9a-f]{28}$/);
  });

  it("a whole account's life leaves its events and not one password, token, reset nonce or TOTP secret", async () => {
    const mailbox = installMailbox();
    try {
      const headers = { "cf-connecting-ip": IP, "user-agent": UA };
      const user = await registerUser();
      const id = await userIdOf(user.email);
      const secrets = [user.password, user.access, user.refresh];
      const login = await api("/api/user/login/", { body: { email: user.email, password: user.password }, headers });
      secrets.push(login.body.token.access, login.body.token.refresh);
      const wrong = "Wrong-password-123";
      secrets.push(wrong);
      expect((await api("/api/user/login/", { body: { email: user.email, password: wrong }, headers })).status).toBe(401);
      const newPassword = "amber-Lantern-472";
      secrets.push(newPassword);
      expect((await api("/api/user/changepassword/", { token: login.body.token.access, headers, body: { password: newPassword, password2: newPassword, current_password: user.password } })).status).toBe(200);
      // The change's security notice arrives first (v3 part 2).
      expect((await mailbox.waitFor(user.email)).subject).toBe("Your password was changed");
      expect((await api("/api/user/send-reset-password-email/", { body: { email: user.email }, headers })).status).toBe(200);
      const link = linkFrom(await mailbox.waitFor(user.email, 5000, 1));
      secrets.push(link.token);
      const resetTo = "coral-Meadow-835";
      secrets.push(resetTo);
      expect((await api(`/api/user/reset-password/${link.uid}/${link.token}/`, { body: { password: resetTo, password2: resetTo }, headers })).status).toBe(200);
      const again = await api("/api/user/login/", { body: { email: user.email, password: resetTo }, headers });
      secrets.push(again.body.token.access, again.body.token.refresh);
      // A logout (simplejwt's blacklist view) ends one session.
      const third = await api("/api/user/login/", { body: { email: user.email, password: resetTo }, headers });
      secrets.push(third.body.token.access, third.body.token.refresh);
      expect((await api("/api/token/blacklist/", { body: { refresh: third.body.token.refresh }, headers })).status).toBe(200);
      // MFA: setup gives a secret; the event log must never hold it.
      const setup = await api("/api/user/mfa/totp/setup/", { token: again.body.token.access, body: { current_password: resetTo }, headers });
      expect(setup.status).toBe(200);
      secrets.push(setup.body.secret);
      // Refresh reuse: rotate, then replay the retired token after the reuse window.
      const r1 = await api("/api/token/refresh/", { body: { refresh: again.body.token.refresh }, headers });
      expect(r1.status).toBe(200);
      await env.DB.prepare("UPDATE sessions SET rotated_at = rotated_at - 60000 WHERE user_id = ? AND rotated_at IS NOT NULL").bind(id).run();
      expect((await api("/api/token/refresh/", { body: { refresh: again.body.token.refresh }, headers })).status).toBe(401);

      await waitForEvent(id, "refresh.reuse_detected");
      const events = await eventsOf(id);
      const types = events.map((e) => e.type);
      for (const t of ["user.registered", "login.succeeded", "login.failed", "password.changed", "password.reset_requested", "password.reset", "session.revoked", "refresh.reuse_detected"]) {
        expect(types, t).toContain(t);
      }
      const mine = events.filter((e) => e.type !== "user.registered");
      for (const e of mine) expect(e, e.type).toMatchObject({ ip: IP, user_agent: UA });
      const succeeded = events.find((e) => e.type === "login.succeeded")!;
      expect(succeeded.session_id).toMatch(/^[0-9a-f]{32}$/);
      expect(JSON.parse(events.find((e) => e.type === "login.failed")!.detail)).toEqual({ method: "password", reason: "password" });
      expect(JSON.parse(events.find((e) => e.type === "user.registered")!.detail)).toEqual({ method: "password" });
      expect(JSON.parse(succeeded.detail)).toEqual({ method: "password" });
      const everything = JSON.stringify(events);
      for (const s of secrets) expect(everything.includes(s), `a secret leaked into the events: ${s.slice(0, 12)}...`).toBe(false);
      // Nor the hash, nor anything that looks like one.
      expect(everything).not.toMatch(/\$2[aby]\$|pbkdf2_/);
    } finally {
      mailbox.restore();
    }
  });

  it("failed logins of unknown addresses write nothing; of known users, at most the budget per account per minute", async () => {
    const user = await registerUser();
    const id = await userIdOf(user.email);
    const ghost = uniqueEmail("ghost");
    expect((await api("/api/user/login/", { body: { email: ghost, password: "Whatever-123" } })).status).toBe(401);
    const { results } = await env.AUDIT_DB.prepare("SELECT detail FROM events WHERE type = 'login.failed' AND detail LIKE ?").bind(`%${ghost}%`).all();
    expect(results).toEqual([]);
    // 25 wrong passwords from 25 addresses: the per-account login limit (30/min) lets all through,
    // the audit budget (10/min per account) writes only the first 10.
    for (let i = 0; i < 25; i++) {
      const res = await api("/api/user/login/", { body: { email: user.email, password: `Wrong-password-${i}` } });
      expect([401, 429]).toContain(res.status);
    }
    await waitForEvent(id, "login.failed", 10);
    await new Promise((r) => setTimeout(r, 300));
    const failed = (await eventsOf(id)).filter((e) => e.type === "login.failed");
    expect(failed.length).toBeGreaterThanOrEqual(10);
    expect(failed.length).toBeLessThanOrEqual(11); // a minute boundary may open a second window
  });
});

describe("audit: the events API", () => {
  it("GET /api/user/events/: only the caller's events, newest first, paged with a signed cursor", async () => {
    const user = await registerUser();
    const other = await registerUser();
    const id = await userIdOf(user.email);
    for (let i = 0; i < 3; i++) await api("/api/user/login/", { body: { email: user.email, password: user.password } });
    await waitForEvent(id, "login.succeeded", 3);
    const first = await api("/api/user/events/?limit=2", { token: user.access });
    expect(first.status).toBe(200);
    expect(first.body.results).toHaveLength(2);
    expect(first.body.next).toEqual(expect.any(String));
    const rest = await api(`/api/user/events/?limit=50&cursor=${encodeURIComponent(first.body.next)}`, { token: user.access });
    const all = [...first.body.results, ...rest.body.results];
    expect(all.map((e: { type: string }) => e.type)).toEqual(["login.succeeded", "login.succeeded", "login.succeeded", "user.registered"]);
    expect(all.every((e: { user_id: number }) => e.user_id === id)).toBe(true);
    const ids = all.map((e: { id: string }) => e.id);
    expect([...ids].sort().reverse()).toEqual(ids);
    expect(rest.body.next).toBeNull();
    // Another user cannot use this cursor (it is bound to whose events it pages).
    const foreign = await api(`/api/user/events/?cursor=${encodeURIComponent(first.body.next)}`, { token: other.access });
    expect(foreign.status).toBe(400);
    expect(foreign.body).toEqual({ errors: { cursor: ["Invalid cursor"] } });
    expect((await api("/api/user/events/")).status).toBe(401);
  });

  it("GET /api/admin/events/: filters by user_id and type; bad filters are 400", async () => {
    const admin = await registerAdmin();
    const user = await registerUser();
    const id = await userIdOf(user.email);
    await api("/api/user/login/", { body: { email: user.email, password: user.password } });
    await waitForEvent(id, "login.succeeded");
    const byUser = await api(`/api/admin/events/?user_id=${id}`, { token: admin.access });
    expect(byUser.status).toBe(200);
    expect(byUser.body.results.map((e: { type: string }) => e.type)).toEqual(["login.succeeded", "user.registered"]);
    const byType = await api(`/api/admin/events/?user_id=${id}&type=user.registered`, { token: admin.access });
    expect(byType.body.results).toHaveLength(1);
    const typeOnly = await api("/api/admin/events/?type=login.succeeded&limit=5", { token: admin.access });
    expect(typeOnly.body.results.every((e: { type: string }) => e.type === "login.succeeded")).toBe(true);
    expect((await api("/api/admin/events/?type=nope", { token: admin.access })).body).toEqual({ errors: { type: ['"nope" is not a valid choice.'] } });
    expect((await api("/api/admin/events/?user_id=x", { token: admin.access })).body).toEqual({ errors: { user_id: ["A valid integer is required."] } });
    expect((await api("/api/admin/events/?cursor=abc.def", { token: admin.access })).status).toBe(400);
  });

  it("the list of types is the contract's", () => {
    for (const t of ["user.registered", "login.succeeded", "login.failed", "login.mfa_required", "mfa.enabled", "mfa.disabled", "mfa.failed", "mfa.recovery_code_used", "password.changed", "password.reset_requested", "password.reset", "email.verified", "email.change_requested", "email.changed", "session.revoked", "refresh.reuse_detected", "admin.user_updated", "admin.user_deleted"]) {
      expect(EVENT_TYPES).toContain(t);
    }
  });
});

describe("audit: retention", () => {
  it("the cron deletes events older than AUDIT_RETENTION_DAYS and keeps newer ones", async () => {
    const day = 86_400_000;
    const now = Date.now();
    const old = (now - 91 * day).toString(16).padStart(12, "0") + "0".repeat(15) + "1";
    const recent = (now - 89 * day).toString(16).padStart(12, "0") + "0".repeat(15) + "2";
    const stmt = env.AUDIT_DB.prepare("INSERT INTO events (id, at, type, user_id, detail) VALUES (?, ?, 'login.failed', -42, '{}')");
    await env.AUDIT_DB.batch([stmt.bind(old, now - 91 * day), stmt.bind(recent, now - 89 * day)]);
    const result = await deleteOldEvents(env as never, now);
    expect(result.events).toBeGreaterThanOrEqual(1);
    const left = await env.AUDIT_DB.prepare("SELECT id FROM events WHERE user_id = -42").all<{ id: string }>();
    expect(left.results.map((r) => r.id)).toEqual([recent]);
    await env.AUDIT_DB.prepare("DELETE FROM events WHERE user_id = -42").run();
  });

  it("the scheduled handler runs it", async () => {
    const day = 86_400_000;
    const old = (Date.now() - 100 * day).toString(16).padStart(12, "0") + "0".repeat(15) + "3";
    await env.AUDIT_DB.prepare("INSERT INTO events (id, at, type, user_id, detail) VALUES (?, ?, 'login.failed', -43, '{}')").bind(old, Date.now() - 100 * day).run();
    const ctx = createExecutionContext();
    await worker.scheduled({ scheduledTime: Date.now(), cron: "17 3 * * *", noRetry() {} } as ScheduledController, env as never, ctx);
    await waitOnExecutionContext(ctx);
    expect(await env.AUDIT_DB.prepare("SELECT count(*) AS n FROM events WHERE user_id = -43").first("n")).toBe(0);
  });
});
