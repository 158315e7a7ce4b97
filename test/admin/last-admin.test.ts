import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { api } from "../support/api";
import { registerAdmin } from "../support/audit";

// Issue 22 item 7. This file has a database of its own (vitest.config.ts OWN_DATABASE): it
// counts every active admin there is.
const LAST = { errors: { non_field_errors: ["At least one active admin must remain."] } };
const DENIED = { errors: { detail: "You do not have permission to perform this action.", code: "permission_denied" } };

const activeAdmins = async () =>
  (await env.DB.prepare("SELECT count(*) AS n FROM users WHERE is_admin = 1 AND is_active = 1").first<{ n: number }>())!.n;

beforeEach(async () => {
  await env.DB.prepare("UPDATE users SET is_admin = 0").run();
});

type Admin = Awaited<ReturnType<typeof registerAdmin>>;
const patch = (by: Admin, target: Admin, body: object) => api(`/api/admin/users/${target.id}/`, { method: "PATCH", token: by.access, body });
const remove = (by: Admin, target: Admin) => api(`/api/admin/users/${target.id}/`, { method: "DELETE", token: by.access });

function expectLosers(results: { status: number; body: unknown }[], winners: number) {
  const ok = results.filter((r) => r.status === 200 || r.status === 204);
  expect(ok.length).toBe(winners);
  for (const r of results.filter((r) => r.status !== 200 && r.status !== 204)) {
    expect([400, 403]).toContain(r.status);
    expect(r.body).toEqual(r.status === 400 ? LAST : DENIED);
  }
}

describe("admins cannot race to zero", () => {
  it.each([
    ["demote", { is_admin: false }],
    ["deactivate", { is_active: false }],
  ])("two admins who %s each other at once leave exactly one", async (_, body) => {
    for (let round = 0; round < 5; round++) {
      await env.DB.prepare("UPDATE users SET is_admin = 0").run();
      const [a, b] = [await registerAdmin(), await registerAdmin()];
      const results = await Promise.all([patch(a, b, body), patch(b, a, body)]);
      expectLosers(results, 1);
      expect(await activeAdmins()).toBe(1);
    }
  });

  it("two admins who delete each other at once leave exactly one; the loser's target is untouched", async () => {
    for (let round = 0; round < 5; round++) {
      await env.DB.prepare("UPDATE users SET is_admin = 0").run();
      const [a, b] = [await registerAdmin(), await registerAdmin()];
      const results = await Promise.all([remove(a, b), remove(b, a)]);
      expectLosers(results, 1);
      expect(await activeAdmins()).toBe(1);
      const survivor = results[0]!.status === 204 ? a : b;
      // The survivor's sessions were not deleted by the refused batch.
      expect((await api("/api/admin/users/?limit=1", { token: survivor.access })).status).toBe(200);
    }
  });

  it("a ring of demotions, deactivations and deletions among four admins always leaves one", async () => {
    const admins = [await registerAdmin(), await registerAdmin(), await registerAdmin(), await registerAdmin()];
    const [a, b, c, e] = admins as [Admin, Admin, Admin, Admin];
    const results = await Promise.all([patch(a, b, { is_admin: false }), patch(b, c, { is_active: false }), remove(c, e), patch(e, a, { is_admin: false })]);
    for (const r of results) expect([200, 204, 400, 403]).toContain(r.status);
    expect(await activeAdmins()).toBeGreaterThanOrEqual(1);
  });

  it("a demoted admin keeps their sessions; from then on their admin routes answer 403", async () => {
    const [a, b] = [await registerAdmin(), await registerAdmin()];
    expect((await patch(a, b, { is_admin: false })).status).toBe(200);
    expect((await api("/api/user/profile/", { token: b.access })).status).toBe(200);
    const res = await patch(b, a, { is_admin: false });
    expect(res.status).toBe(403);
    expect(res.body).toEqual(DENIED);
    expect(await activeAdmins()).toBe(1);
  });
});
