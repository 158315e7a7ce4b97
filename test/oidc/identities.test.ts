import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { claimsOf, registerUser } from "../support/api";
import { registerAdmin, waitForEvent } from "../support/audit";
import { d1DelayingFirst } from "../support/faults";
import { installMailbox } from "../support/mailbox";
import { addPasskey, pk } from "../passkeys/api-helpers";
import { eachTestWithAcme, dance, personAt, providerLogin, type Acme } from "./http-helpers";
import { APP_REDIRECT, frontEndPkce } from "./helpers";

let p: Acme;
let mailbox: ReturnType<typeof installMailbox>;
eachTestWithAcme((provider, box) => ([p, mailbox] = [provider, box]));

const ageSessions = (email: string, seconds: number) =>
  env.DB.prepare("UPDATE sessions SET created_at = created_at - ?1, auth_time = auth_time - ?1 WHERE user_id = (SELECT id FROM users WHERE lower(email) = lower(?2))").bind(seconds * 1000, email).run();

async function link(token: string, current_password?: string) {
  const who = personAt("link");
  const landing = await dance(p, who, { link: { token, current_password } });
  const res = await p.call("/api/user/identities/", { token, body: { code: landing.code, code_verifier: landing.verifier } });
  return { who, res };
}

describe("linking", () => {
  it("links with a recent sign-in: 201 the identity, identity.linked, a security notice; the identity then signs in to this account", async () => {
    const u = await registerUser();
    const { who, res } = await link(u.access);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: expect.any(Number), provider: "acme", email: who.email, created_at: expect.any(String), last_login: null });
    const userId = claimsOf(u.access).user_id as number;
    const [event] = await waitForEvent(userId, "identity.linked");
    expect(JSON.parse(event!.detail)).toMatchObject({ provider: "acme" });
    await expect.poll(() => mailbox.mails.filter((m) => m.to.includes(u.email)).map((m) => m.subject)).toContain("A sign-in provider was linked to your account");
    const login = await providerLogin(p, who, false);
    expect(claimsOf(login.body.token.access).user_id).toBe(userId);
  });

  it("needs a recent sign-in or current_password: 403 reauthentication_required, 400 for a wrong password", async () => {
    const u = await registerUser();
    await ageSessions(u.email, 3600);
    const { challenge } = await frontEndPkce();
    const body = { provider: "acme", redirect_uri: APP_REDIRECT, code_challenge: challenge };
    const stale = await p.call("/api/user/identities/link/", { token: u.access, body });
    expect(stale.status).toBe(403);
    expect(stale.body).toEqual({ errors: { detail: "Please sign in again to continue.", code: "reauthentication_required" } });
    const wrong = await p.call("/api/user/identities/link/", { token: u.access, body: { ...body, current_password: "not-the-password" } });
    expect(wrong.status).toBe(400);
    expect(Object.keys(wrong.body.errors)).toEqual(["current_password"]);
    const { res } = await link(u.access, u.password);
    expect(res.status).toBe(201);
  });

  it("refuses a provider that is not configured", async () => {
    const u = await registerUser();
    const { challenge } = await frontEndPkce();
    const res = await p.call("/api/user/identities/link/", { token: u.access, body: { provider: "nope", redirect_uri: APP_REDIRECT, code_challenge: challenge } });
    expect(res.status).toBe(400);
    expect(res.body.errors.provider).toBeDefined();
  });

  it("needs a bearer token", async () => {
    const { challenge } = await frontEndPkce();
    expect((await p.call("/api/user/identities/link/", { body: { provider: "acme", redirect_uri: APP_REDIRECT, code_challenge: challenge } })).status).toBe(401);
    expect((await p.call("/api/user/identities/")).status).toBe(401);
  });
});

describe("listing and unlinking", () => {
  it("lists the user's identities and unlinks one (204), sessions untouched", async () => {
    const u = await registerUser();
    const { res } = await link(u.access);
    const list = await p.call("/api/user/identities/", { token: u.access });
    expect(list.body.results.map((i: { id: number }) => i.id)).toEqual([res.body.id]);
    const del = await p.call(`/api/user/identities/${res.body.id}/`, { method: "DELETE", token: u.access });
    expect(del.status).toBe(204);
    expect((await p.call("/api/user/identities/", { token: u.access })).body.results).toEqual([]);
    await waitForEvent(claimsOf(u.access).user_id as number, "identity.unlinked");
  });

  it("refuses to remove the last way to sign in (an account the provider created)", async () => {
    const login = await providerLogin(p, personAt("last"));
    const token = login.body.token.access;
    const [identity] = (await p.call("/api/user/identities/", { token })).body.results;
    const del = await p.call(`/api/user/identities/${identity.id}/`, { method: "DELETE", token });
    expect(del.status).toBe(400);
    expect(del.body).toEqual({ errors: { non_field_errors: ["You cannot remove your last way to sign in."] } });
    expect((await p.call("/api/user/identities/", { token })).body.results).toHaveLength(1);
  });

  it("an identity and a passkey, the account's only ways, removed at once: one goes, the other is refused, one way stays", async () => {
    for (let i = 0; i < 3; i++) {
      const who = personAt(`both${i}`);
      const login = await providerLogin(p, who);
      const token = login.body.token.access;
      await addPasskey({ email: who.email!, password: "", access: token });
      const [identity] = (await p.call("/api/user/identities/", { token })).body.results;
      const [passkey] = (await pk("/api/user/passkeys/", { token })).body.results;
      // The first DELETE waits 300 ms: the other removal checks the ways in meanwhile.
      const DB = d1DelayingFirst(/^delete from "(identities|passkeys)"/i, 300);
      const [unlink, remove] = await Promise.all([
        p.call(`/api/user/identities/${identity.id}/`, { method: "DELETE", token, bindings: { DB } }),
        pk(`/api/user/passkeys/${passkey.id}/`, { method: "DELETE", token, bindings: { DB } }),
      ]);
      expect([unlink.status, remove.status].sort()).toEqual([204, 400]);
      const left = (await p.call("/api/user/identities/", { token })).body.results.length + (await pk("/api/user/passkeys/", { token })).body.results.length;
      expect(left).toBe(1);
    }
  });

  it("answers 404 for another user's identity or an unknown id, and leaves it", async () => {
    const owner = await registerUser();
    const { res } = await link(owner.access);
    const other = await registerUser();
    for (const id of [res.body.id, 999999999, "abc"]) {
      const del = await p.call(`/api/user/identities/${id}/`, { method: "DELETE", token: other.access });
      expect(del.status).toBe(404);
    }
    expect((await p.call("/api/user/identities/", { token: owner.access })).body.results).toHaveLength(1);
  });
});

describe("admin", () => {
  it("lists and removes a user's identities (the last-way rule does not bind an admin); 403 for a non-admin", async () => {
    const admin = await registerAdmin();
    const login = await providerLogin(p, personAt("adm"));
    const userId = claimsOf(login.body.token.access).user_id as number;
    expect((await p.call(`/api/admin/users/${userId}/identities/`, { token: login.body.token.access })).status).toBe(403);
    const list = await p.call(`/api/admin/users/${userId}/identities/`, { token: admin.access });
    expect(list.status).toBe(200);
    expect(list.body.results).toHaveLength(1);
    const del = await p.call(`/api/admin/users/${userId}/identities/${list.body.results[0].id}/`, { method: "DELETE", token: admin.access });
    expect(del.status).toBe(204);
    expect((await p.call(`/api/admin/users/${userId}/identities/`, { token: admin.access })).body.results).toEqual([]);
    const [event] = await waitForEvent(userId, "identity.unlinked");
    expect(event!.actor_id).toBe(admin.id);
    expect((await p.call(`/api/admin/users/999999999/identities/`, { token: admin.access })).status).toBe(404);
    expect((await p.call(`/api/admin/users/${userId}/identities/${list.body.results[0].id}/`, { method: "DELETE", token: admin.access })).status).toBe(404);
  });
});
