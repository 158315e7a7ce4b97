import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, registerUser, uniqueEmail } from "../support/api";
import { installMailbox } from "../support/mailbox";
import { eventsOf, registerAdmin, userIdOf, waitForEvent } from "../support/audit";

const DENIED = { errors: { detail: "You do not have permission to perform this action.", code: "permission_denied" } };
const NOT_FOUND = { errors: { detail: "Not found.", code: "not_found" } };

describe("admin: who may call /api/admin/*", () => {
  it("answers 401 without a token and 403 to a non-admin, on every admin route", async () => {
    const user = await registerUser();
    const id = await userIdOf(user.email);
    const routes: [string, string, unknown?][] = [
      ["GET", "/api/admin/users/"],
      ["GET", `/api/admin/users/${id}/`],
      ["PATCH", `/api/admin/users/${id}/`, { name: "x" }],
      ["DELETE", `/api/admin/users/${id}/`],
      ["POST", `/api/admin/users/${id}/logout-all/`, {}],
      ["POST", `/api/admin/users/${id}/mfa/reset/`, {}],
      ["POST", `/api/admin/users/${id}/send-reset-password-email/`, {}],
      ["GET", "/api/admin/events/"],
    ];
    for (const [method, path, body] of routes) {
      const anon = await api(path, { method, body });
      expect(anon.status, `${method} ${path}`).toBe(401);
      const res = await api(path, { method, body, token: user.access });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body).toEqual(DENIED);
    }
    // Nothing happened to the user.
    expect((await api("/api/user/profile/", { token: user.access })).status).toBe(200);
  });

  it("takes a promotion and a demotion into account on the next request (the user row of authentication)", async () => {
    const user = await registerUser();
    expect((await api("/api/admin/users/?limit=1", { token: user.access })).status).toBe(403);
    await env.DB.prepare("UPDATE users SET is_admin = 1 WHERE email = ?").bind(user.email).run();
    expect((await api("/api/admin/users/?limit=1", { token: user.access })).status).toBe(200);
    await env.DB.prepare("UPDATE users SET is_admin = 0 WHERE email = ?").bind(user.email).run();
    expect((await api("/api/admin/users/?limit=1", { token: user.access })).status).toBe(403);
  });
});

describe("admin: users list", () => {
  it("visits every matching user exactly once with limit 7, by id, and the search matches e-mail or name case-insensitively", async () => {
    const admin = await registerAdmin();
    const term = `Zq${Date.now().toString(36)}`;
    const ids: number[] = [];
    for (let i = 0; i < 25; i++) {
      // Half match on the e-mail, half on the name.
      const u = i % 2 === 0 ? await registerUser({ email: uniqueEmail(term.toLowerCase()) }) : await registerUser({ name: `Name ${term.toUpperCase()} ${i}` });
      ids.push(await userIdOf(u.email));
    }
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: URLSearchParams = new URLSearchParams({ search: term, limit: "7", ...(cursor ? { cursor } : {}) });
      const res: { status: number; body: any } = await api(`/api/admin/users/?${q}`, { token: admin.access });
      expect(res.status).toBe(200);
      expect(res.body.results.length).toBeLessThanOrEqual(7);
      seen.push(...res.body.results.map((u: { id: number }) => u.id));
      cursor = res.body.next;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(4);
    expect(seen).toEqual([...ids].sort((a, b) => a - b));
    const one = (await api(`/api/admin/users/${ids[0]}/`, { token: admin.access })).body;
    expect(one).toMatchObject({ id: ids[0], is_active: true, is_admin: false, email_verified: false, mfa_enabled: false });
    expect(JSON.stringify(one)).not.toMatch(/password|pbkdf2|\$2[aby]\$/);
  });

  it("filters on is_active, treats LIKE wildcards literally, and defaults to 50", async () => {
    const admin = await registerAdmin();
    const term = `act${Date.now().toString(36)}`;
    const a = await registerUser({ email: uniqueEmail(term) });
    const b = await registerUser({ email: uniqueEmail(term) });
    await env.DB.prepare("UPDATE users SET is_active = 0 WHERE email = ?").bind(b.email).run();
    const active = await api(`/api/admin/users/?search=${term}&is_active=true`, { token: admin.access });
    expect(active.body.results.map((u: { email: string }) => u.email)).toEqual([a.email]);
    const inactive = await api(`/api/admin/users/?search=${term}&is_active=false`, { token: admin.access });
    expect(inactive.body.results.map((u: { email: string }) => u.email)).toEqual([b.email]);
    expect((await api(`/api/admin/users/?search=${term}%25`, { token: admin.access })).body.results).toEqual([]);
    expect((await api(`/api/admin/users/?search=_${term.slice(1)}`, { token: admin.access })).body.results).toEqual([]);
    const all = await api("/api/admin/users/", { token: admin.access });
    expect(all.body.results.length).toBeLessThanOrEqual(50);
  });

  it("refuses a bad limit, a bad is_active, and a forged or foreign cursor with 400", async () => {
    const admin = await registerAdmin();
    const t = { token: admin.access };
    expect((await api("/api/admin/users/?limit=0", t)).body).toEqual({ errors: { limit: ["Ensure this value is greater than or equal to 1."] } });
    expect((await api("/api/admin/users/?limit=101", t)).body).toEqual({ errors: { limit: ["Ensure this value is less than or equal to 100."] } });
    expect((await api("/api/admin/users/?limit=ten", t)).body).toEqual({ errors: { limit: ["A valid integer is required."] } });
    expect((await api("/api/admin/users/?is_active=maybe", t)).body).toEqual({ errors: { is_active: ["Must be a valid boolean."] } });
    const first = await api("/api/admin/users/?limit=1", t);
    expect(first.body.next).toEqual(expect.any(String));
    const [pos, mac] = (first.body.next as string).split(".");
    // A position the client could not reach: the id 1 encoded by hand, with the old tag or none.
    const forged = [`${btoa("0").replace(/=+$/, "")}.${mac}`, btoa("0"), "garbage", `${pos}.${mac}x`, `${pos}.${mac}.x`];
    for (const cursor of forged) {
      const res = await api(`/api/admin/users/?limit=1&cursor=${encodeURIComponent(cursor)}`, t);
      expect(res.status, cursor).toBe(400);
      expect(res.body).toEqual({ errors: { cursor: ["Invalid cursor"] } });
    }
    // A real cursor of another query is refused too.
    expect((await api(`/api/admin/users/?limit=1&search=x&cursor=${encodeURIComponent(first.body.next)}`, t)).status).toBe(400);
    expect((await api(`/api/admin/users/?limit=1&cursor=${encodeURIComponent(first.body.next)}`, t)).status).toBe(200);
  });
});

describe("admin: one user", () => {
  it("answers 404 with DRF's body for unknown and malformed ids on every route", async () => {
    const admin = await registerAdmin();
    for (const id of ["999999999", "abc", "0", "-1"]) {
      const calls: [string, string, unknown?][] = [
        ["GET", `/api/admin/users/${id}/`],
        ["PATCH", `/api/admin/users/${id}/`, { name: "x" }],
        ["DELETE", `/api/admin/users/${id}/`],
        ["POST", `/api/admin/users/${id}/logout-all/`, {}],
        ["POST", `/api/admin/users/${id}/mfa/reset/`, {}],
        ["POST", `/api/admin/users/${id}/send-reset-password-email/`, {}],
      ];
      for (const [method, path, body] of calls) {
        const res = await api(path, { method, body, token: admin.access });
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(res.body).toEqual(NOT_FOUND);
      }
    }
  });

  it("PATCHes name, is_admin and email_verified, validates like register, and records admin.user_updated with actor_id", async () => {
    const admin = await registerAdmin();
    const user = await registerUser();
    const id = await userIdOf(user.email);
    const res = await api(`/api/admin/users/${id}/`, { method: "PATCH", token: admin.access, body: { name: "  Renamed  ", is_admin: true, email_verified: "true" } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, name: "Renamed", is_admin: true, email_verified: true });
    expect((await api(`/api/admin/users/${id}/`, { token: admin.access })).body).toMatchObject({ name: "Renamed", is_admin: true, email_verified: true });
    const bad = await api(`/api/admin/users/${id}/`, { method: "PATCH", token: admin.access, body: { name: "Evil\u202eName" } });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ errors: { name: ["This field may not contain control or formatting characters."] } });
    expect((await api(`/api/admin/users/${id}/`, { method: "PATCH", token: admin.access, body: { name: "line\nbreak" } })).status).toBe(400);
    expect((await api(`/api/admin/users/${id}/`, { method: "PATCH", token: admin.access, body: { name: "" } })).body).toEqual({ errors: { name: ["This field may not be blank."] } });
    expect((await api(`/api/admin/users/${id}/`, { method: "PATCH", token: admin.access, body: { is_active: "perhaps" } })).body).toEqual({ errors: { is_active: ["Must be a valid boolean."] } });
    const [event] = await waitForEvent(id, "admin.user_updated");
    expect(event).toMatchObject({ user_id: id, actor_id: admin.id });
    expect(JSON.parse(event!.detail)).toMatchObject({ fields: "email_verified,is_admin,name", is_admin: true, email_verified: true });
  });

  it("deactivation ends every session at once: profile and refresh answer 401 right after the 200", async () => {
    const admin = await registerAdmin();
    const user = await registerUser();
    const second = await api("/api/user/login/", { body: { email: user.email, password: user.password } });
    const id = await userIdOf(user.email);
    const res = await api(`/api/admin/users/${id}/`, { method: "PATCH", token: admin.access, body: { is_active: false } });
    expect(res.status).toBe(200);
    expect(res.body.is_active).toBe(false);
    for (const access of [user.access, second.body.token.access]) expect((await api("/api/user/profile/", { token: access })).status).toBe(401);
    for (const refresh of [user.refresh, second.body.token.refresh]) expect((await api("/api/token/refresh/", { body: { refresh } })).status).toBe(401);
    expect((await api("/api/user/login/", { body: { email: user.email, password: user.password } })).status).toBe(401);
    const [event] = await waitForEvent(id, "admin.user_updated");
    expect(JSON.parse(event!.detail)).toMatchObject({ is_active: false, sessions_revoked: 2 });
    // Reactivated, the user logs in again; the old sessions stay ended.
    expect((await api(`/api/admin/users/${id}/`, { method: "PATCH", token: admin.access, body: { is_active: true } })).body.is_active).toBe(true);
    expect((await api("/api/user/login/", { body: { email: user.email, password: user.password } })).status).toBe(200);
    expect((await api("/api/user/profile/", { token: user.access })).status).toBe(401);
  });

  it("refuses an admin deactivating, demoting or deleting themselves (400) and changes nothing", async () => {
    const admin = await registerAdmin();
    const self = `/api/admin/users/${admin.id}/`;
    const off = await api(self, { method: "PATCH", token: admin.access, body: { is_active: false } });
    expect(off.status).toBe(400);
    expect(off.body).toEqual({ errors: { is_active: ["You cannot deactivate your own account."] } });
    const demote = await api(self, { method: "PATCH", token: admin.access, body: { is_admin: "false" } });
    expect(demote.status).toBe(400);
    expect(demote.body).toEqual({ errors: { is_admin: ["You cannot remove your own admin status."] } });
    const del = await api(self, { method: "DELETE", token: admin.access });
    expect(del.status).toBe(400);
    expect(del.body).toEqual({ errors: { non_field_errors: ["You cannot delete your own account."] } });
    expect((await api(self, { token: admin.access })).body).toMatchObject({ is_active: true, is_admin: true });
    // Renaming oneself is fine.
    expect((await api(self, { method: "PATCH", token: admin.access, body: { name: "Boss" } })).status).toBe(200);
  });

  it("DELETE: 204, the user and their sessions are gone, their events stay", async () => {
    const admin = await registerAdmin();
    const user = await registerUser();
    const id = await userIdOf(user.email);
    await waitForEvent(id, "user.registered");
    const res = await api(`/api/admin/users/${id}/`, { method: "DELETE", token: admin.access });
    expect(res.status).toBe(204);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM users WHERE id = ?").bind(id).first("n")).toBe(0);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM sessions WHERE user_id = ?").bind(id).first("n")).toBe(0);
    expect((await api("/api/user/profile/", { token: user.access })).status).toBe(401);
    expect((await api("/api/token/refresh/", { body: { refresh: user.refresh } })).status).toBe(401);
    expect((await api(`/api/admin/users/${id}/`, { token: admin.access })).status).toBe(404);
    expect((await api(`/api/admin/users/${id}/`, { method: "DELETE", token: admin.access })).status).toBe(404);
    const [deleted] = await waitForEvent(id, "admin.user_deleted");
    expect(deleted!.actor_id).toBe(admin.id);
    expect((await eventsOf(id)).map((e) => e.type)).toContain("user.registered");
    const viaApi = await api(`/api/admin/events/?user_id=${id}`, { token: admin.access });
    expect(viaApi.body.results.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(["admin.user_deleted", "user.registered"]));
  });

  it("logout-all ends the user's sessions; 200 with the count and an admin.sessions_revoked event", async () => {
    const admin = await registerAdmin();
    const user = await registerUser();
    const id = await userIdOf(user.email);
    const res = await api(`/api/admin/users/${id}/logout-all/`, { method: "POST", token: admin.access, body: {} });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ msg: "Logged out", revoked: 1 });
    expect((await api("/api/user/profile/", { token: user.access })).status).toBe(401);
    expect((await api("/api/admin/users/1/", { token: admin.access })).status).not.toBe(401);
    const [event] = await waitForEvent(id, "admin.sessions_revoked");
    expect(event).toMatchObject({ actor_id: admin.id });
  });

  it("mfa/reset: 200, the user's MFA is gone and they log in with the password alone", async () => {
    const admin = await registerAdmin();
    const user = await registerUser();
    const id = await userIdOf(user.email);
    await env.DB.prepare("UPDATE users SET mfa_enabled = 1 WHERE id = ?").bind(id).run();
    expect((await api("/api/user/login/", { body: { email: user.email, password: user.password } })).body.mfa_required).toBe(true);
    const res = await api(`/api/admin/users/${id}/mfa/reset/`, { method: "POST", token: admin.access, body: {} });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ msg: "Two-factor authentication reset" });
    expect((await api(`/api/admin/users/${id}/`, { token: admin.access })).body.mfa_enabled).toBe(false);
    expect((await api("/api/user/login/", { body: { email: user.email, password: user.password } })).body.token).toBeDefined();
    expect((await waitForEvent(id, "admin.mfa_reset"))[0]!.actor_id).toBe(admin.id);
  });

  it("send-reset-password-email: 200 and the user gets the reset mail", async () => {
    const mailbox = installMailbox();
    try {
      const admin = await registerAdmin();
      const user = await registerUser();
      const id = await userIdOf(user.email);
      const res = await api(`/api/admin/users/${id}/send-reset-password-email/`, { method: "POST", token: admin.access, body: {} });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ msg: "Password Reset link send. Please check your Email" });
      expect((await mailbox.waitFor(user.email)).text).toMatch(/\/[A-Za-z0-9_-]+\/[A-Za-z0-9_-]{43}\//);
      expect((await waitForEvent(id, "admin.password_reset_sent"))[0]!.actor_id).toBe(admin.id);
      await waitForEvent(id, "password.reset_requested");
    } finally {
      mailbox.restore();
    }
  });
});
