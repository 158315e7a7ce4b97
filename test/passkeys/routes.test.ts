import { afterEach, describe, expect, it } from "vitest";
import { api, claimsOf, registerUser } from "../support/api";
import { eventsOf, registerAdmin, waitForEvent } from "../support/audit";
import { installMailbox } from "../support/mailbox";
import { SoftAuthenticator, b64u } from "../support/soft-authenticator";
import { LAST_WAY, NOT_FOUND, NOT_VERIFIED, SIGN_IN_FAILED, addPasskey, dropPassword, pk, signInWith, userWithPasskey } from "./api-helpers";

const REAUTH = { errors: { detail: "Please sign in again to continue.", code: "reauthentication_required" } };
let mailbox: ReturnType<typeof installMailbox> | undefined;
afterEach(() => mailbox?.restore());

describe("passkeys are off without WEBAUTHN_RP_ID", () => {
  it("answers 404 on every passkey route, before authentication", async () => {
    const u = await registerUser();
    const routes: [string, string, unknown?][] = [
      ["POST", "/api/user/passkeys/register/options/", {}],
      ["POST", "/api/user/passkeys/register/", { credential: {} }],
      ["GET", "/api/user/passkeys/"],
      ["PATCH", "/api/user/passkeys/1/", { name: "x" }],
      ["DELETE", "/api/user/passkeys/1/"],
      ["POST", "/api/auth/passkey/options/", {}],
      ["POST", "/api/auth/passkey/verify/", { credential: {} }],
      ["POST", "/api/user/mfa/passkey/options/", { mfa_token: "x" }],
      ["GET", "/api/admin/users/1/passkeys/"],
      ["DELETE", "/api/admin/users/1/passkeys/1/"],
    ];
    for (const [method, path, body] of routes) {
      for (const token of [undefined, u.access]) {
        const res = await api(path, { method, body, token });
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(res.body).toEqual(NOT_FOUND);
      }
    }
    // MFA's status names no passkeys while they are off.
    expect((await api("/api/user/mfa/", { token: u.access })).body).toEqual({ totp: false, recovery_codes_left: 0 });
  });

  it("answers 503 for invalid settings, as any bad configuration", async () => {
    const res = await pk("/api/auth/passkey/options/", { body: {}, vars: { WEBAUTHN_ORIGINS: "http://example.com" } });
    expect(res.status).toBe(503);
  });
});

describe("registering a passkey", () => {
  it("answers creation options, then 201 the passkey; a security notice and passkey.added follow", async () => {
    mailbox = installMailbox();
    const u = await registerUser();
    const userId = claimsOf(u.access).user_id as number;
    const options = await pk("/api/user/passkeys/register/options/", { token: u.access, body: {} });
    expect(options.status).toBe(200);
    expect(options.body.options).toMatchObject({
      rp: { id: "example.com", name: "Example" },
      user: { name: u.email, displayName: u.name },
      attestation: "none",
      timeout: 300000,
      excludeCredentials: [],
      authenticatorSelection: { residentKey: "required", requireResidentKey: true, userVerification: "required" },
    });
    expect(options.body.options.pubKeyCredParams.map((p: { alg: number }) => p.alg)).toEqual([-8, -7, -257]);
    const { json } = await new SoftAuthenticator().create(options.body.options, { alg: -7 });
    const res = await pk("/api/user/passkeys/register/", { token: u.access, body: { credential: json } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(Number),
      name: "Passkey",
      credential_id: json.id,
      created_at: expect.any(String),
      last_used_at: null,
      backup_eligible: false,
      backed_up: false,
      transports: ["hybrid", "internal"],
    });
    const mail = await mailbox.waitFor(u.email);
    expect(mail.subject.toLowerCase()).toContain("passkey");
    const [added] = await waitForEvent(userId, "passkey.added");
    expect(JSON.parse(added!.detail)).toMatchObject({ id: res.body.id, name: "Passkey" });
    // Registered once: the next options exclude it.
    const next = await pk("/api/user/passkeys/register/options/", { token: u.access, body: {} });
    expect(next.body.options.excludeCredentials).toEqual([{ type: "public-key", id: json.id, transports: ["hybrid", "internal"] }]);
  });

  it("needs a recent sign-in or the right current_password for the options (403 / 400 otherwise)", async () => {
    const u = await registerUser();
    const stale = { REAUTH_MAX_AGE: "0" };
    const none = await pk("/api/user/passkeys/register/options/", { token: u.access, body: {}, vars: stale });
    expect(none.status).toBe(403);
    expect(none.body).toEqual(REAUTH);
    const wrong = await pk("/api/user/passkeys/register/options/", { token: u.access, body: { current_password: "not-the-password-1" }, vars: stale });
    expect(wrong.status).toBe(400);
    expect(Object.keys(wrong.body.errors)).toEqual(["current_password"]);
    const right = await pk("/api/user/passkeys/register/options/", { token: u.access, body: { current_password: u.password }, vars: stale });
    expect(right.status).toBe(200);
    expect(right.body.options.challenge).toEqual(expect.any(String));
    expect((await pk("/api/user/passkeys/register/options/", { body: {} })).status).toBe(401);
  });

  it("refuses a wrong origin, no UV, a replayed challenge, another user's ceremony and a malformed credential with one body", async () => {
    const u = await registerUser();
    const other = await registerUser();
    const attempt = async (o = {}, who = u, edit?: (json: any) => void) => {
      const options = await pk("/api/user/passkeys/register/options/", { token: who.access, body: {} });
      const made = await new SoftAuthenticator().create(options.body.options, o);
      edit?.(made.json);
      return { made, res: await pk("/api/user/passkeys/register/", { token: u.access, body: { credential: made.json } }) };
    };
    for (const [what, o] of [
      ["wrong origin", { origin: "https://evil.example.net" }],
      ["no UV", { flags: { uv: false } }],
      ["another RP ID", { rpId: "evil.example.net" }],
    ] as const) {
      const { res } = await attempt(o);
      expect(res.status, what).toBe(400);
      expect(res.body, what).toEqual(NOT_VERIFIED);
    }
    // Another user's registration ceremony.
    expect((await attempt({}, other)).res.body).toEqual(NOT_VERIFIED);
    // Replayed: the ceremony was spent by the first (right) answer; a second authenticator's answer to it is refused.
    const options = await pk("/api/user/passkeys/register/options/", { token: u.access, body: {} });
    const [one, two] = await Promise.all([new SoftAuthenticator().create(options.body.options), new SoftAuthenticator().create(options.body.options)]);
    expect((await pk("/api/user/passkeys/register/", { token: u.access, body: { credential: one.json } })).status).toBe(201);
    expect((await pk("/api/user/passkeys/register/", { token: u.access, body: { credential: two.json } })).body).toEqual(NOT_VERIFIED);
    for (const credential of ["x", 1, [], { type: "public-key" }]) {
      const res = await pk("/api/user/passkeys/register/", { token: u.access, body: { credential } });
      expect(res.status).toBe(400);
      expect(res.body).toEqual(NOT_VERIFIED);
    }
    const missing = await pk("/api/user/passkeys/register/", { token: u.access, body: {} });
    expect(missing.body).toEqual({ errors: { credential: ["This field is required."] } });
    expect((await pk("/api/user/passkeys/", { token: u.access })).body.results).toHaveLength(1);
  });
});

describe("a user's passkeys: list, rename, delete", () => {
  it("lists, renames and deletes the caller's own passkeys; another user's answer 404", async () => {
    const a = await userWithPasskey();
    const b = await userWithPasskey();
    const list = await pk("/api/user/passkeys/", { token: a.u.access });
    expect(list.status).toBe(200);
    expect(list.body.results.map((p: { id: number }) => p.id)).toEqual([a.passkey.id]);
    const renamed = await pk(`/api/user/passkeys/${a.passkey.id}/`, { method: "PATCH", token: a.u.access, body: { name: "  Work laptop " } });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id: a.passkey.id, name: "Work laptop" });
    expect((await pk(`/api/user/passkeys/${a.passkey.id}/`, { method: "PATCH", token: a.u.access, body: { name: "x".repeat(101) } })).status).toBe(400);
    for (const id of [b.passkey.id, 999999999, "abc", 0]) {
      const patch = await pk(`/api/user/passkeys/${id}/`, { method: "PATCH", token: a.u.access, body: { name: "Mine now" } });
      expect(patch.status).toBe(404);
      expect(patch.body).toEqual(NOT_FOUND);
      const del = await pk(`/api/user/passkeys/${id}/`, { method: "DELETE", token: a.u.access });
      expect(del.status).toBe(404);
    }
    expect((await pk(`/api/user/passkeys/${a.passkey.id}/`, { method: "DELETE", token: a.u.access })).status).toBe(204);
    expect((await pk("/api/user/passkeys/", { token: a.u.access })).body.results).toEqual([]);
    expect((await pk("/api/user/passkeys/", { token: b.u.access })).body.results).toHaveLength(1);
    const [removed] = await waitForEvent(a.userId, "passkey.removed");
    expect(JSON.parse(removed!.detail)).toMatchObject({ id: a.passkey.id });
  });

  it("never deletes the last way to sign in (an account without a password), even two deletes at once", async () => {
    const a = await userWithPasskey();
    const second = await addPasskey(a.u);
    await dropPassword(a.u.email);
    const both = await Promise.all([a.passkey.id, second.passkey.id].map((id) => pk(`/api/user/passkeys/${id}/`, { method: "DELETE", token: a.u.access })));
    expect(both.map((r) => r.status).sort()).toEqual([204, 400]);
    expect(both.find((r) => r.status === 400)!.body).toEqual(LAST_WAY);
    const [left] = (await pk("/api/user/passkeys/", { token: a.u.access })).body.results;
    const last = await pk(`/api/user/passkeys/${left.id}/`, { method: "DELETE", token: a.u.access });
    expect(last.status).toBe(400);
    expect(last.body).toEqual(LAST_WAY);
    // The passkey still signs in.
    const auth = left.id === a.passkey.id ? a : second;
    expect((await signInWith(auth.auth, auth.credential)).res.status).toBe(200);
  });
});

describe("signing in with a passkey (discoverable)", () => {
  it("answers request options, then the login answer with amr ['hwk']", async () => {
    const a = await userWithPasskey({ alg: -8 });
    const { res, options } = await signInWith(a.auth, a.credential);
    expect(options).toEqual({ challenge: expect.any(String), timeout: 300000, rpId: "example.com", allowCredentials: [], userVerification: "required" });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ token: { refresh: expect.any(String), access: expect.any(String) }, msg: "Login Success" });
    const claims = claimsOf(res.body.token.access);
    expect(claims.user_id).toBe(a.userId);
    expect(claims.amr).toEqual(["hwk"]);
    expect((await pk("/api/user/profile/", { token: res.body.token.access })).status).toBe(200);
    const [listed] = (await pk("/api/user/passkeys/", { token: res.body.token.access })).body.results;
    expect(listed.last_used_at).toEqual(expect.any(String));
  });

  it("is complete for a user with TOTP on: never an MFA step", async () => {
    const { enrolledUser } = await import("../mfa/helpers");
    const e = await enrolledUser();
    const { auth, credential } = await addPasskey(e);
    const { res } = await signInWith(auth, credential);
    expect(res.status).toBe(200);
    expect(claimsOf(res.body.token.access).amr).toEqual(["hwk"]);
  });

  it("refuses a wrong origin, no UV, another RP ID, a forged signature and an unknown credential with one 401", async () => {
    const cases: [string, object, ((json: any) => void)?][] = [
      ["wrong origin", { origin: "https://evil.example.net" }],
      ["crossOrigin", { crossOrigin: true }],
      ["no UV", { flags: { uv: false } }],
      ["another RP ID", { rpId: "evil.example.net" }],
      ["no userHandle", { userHandle: null }],
      ["a forged signature", {}, (json) => (json.response.signature = b64u(new Uint8Array(70).fill(7)))],
      ["an unknown credential", {}, (json) => (json.id = json.rawId = b64u(new Uint8Array(32).fill(9)))],
      ["a malformed credential", {}, (json) => (json.response = "x")],
    ];
    const a = await userWithPasskey();
    for (const [what, o, edit] of cases) {
      const { res } = await signInWith(a.auth, a.credential, o, edit);
      expect(res.status, what).toBe(401);
      expect(res.body, what).toEqual(SIGN_IN_FAILED);
    }
    const failed = await waitForEvent(a.userId, "login.failed", 4);
    expect(JSON.parse(failed[0]!.detail)).toMatchObject({ method: "passkey" });
    // After every refusal the passkey still works (its counter moved only when a signature verified).
    expect((await signInWith(a.auth, a.credential)).res.status).toBe(200);
  });

  it("spends a ceremony by its first answer: a replayed challenge is refused", async () => {
    const a = await userWithPasskey();
    const { res, json } = await signInWith(a.auth, a.credential);
    expect(res.status).toBe(200);
    const replay = await pk("/api/auth/passkey/verify/", { body: { credential: json } });
    expect(replay.status).toBe(401);
    expect(replay.body).toEqual(SIGN_IN_FAILED);
    // A wrong answer spends it too: the right one after it is refused.
    const options = await pk("/api/auth/passkey/options/", { body: {} });
    const wrong = await a.auth.get(options.body.options, a.credential, { flags: { uv: false } });
    expect((await pk("/api/auth/passkey/verify/", { body: { credential: wrong } })).status).toBe(401);
    const right = await a.auth.get(options.body.options, a.credential);
    expect((await pk("/api/auth/passkey/verify/", { body: { credential: right } })).status).toBe(401);
  });

  it("refuses a counter regression on a device-bound key (passkey.counter_regression), ignores it on a synced one", async () => {
    const bound = await userWithPasskey({ counter: 5 });
    expect((await signInWith(bound.auth, bound.credential)).res.status).toBe(200);
    const cloned = await signInWith(bound.auth, bound.credential, { counter: 6 });
    expect(cloned.res.status).toBe(401);
    expect(cloned.res.body).toEqual(SIGN_IN_FAILED);
    const [event] = await waitForEvent(bound.userId, "passkey.counter_regression");
    expect(JSON.parse(event!.detail)).toMatchObject({ id: bound.passkey.id, stored: 6 });
    const synced = await userWithPasskey({ be: true, bs: true, counter: 5 });
    for (const counter of [5, 0]) expect((await signInWith(synced.auth, synced.credential, { counter })).res.status).toBe(200);
    expect((await eventsOf(synced.userId)).some((e) => e.type === "passkey.counter_regression")).toBe(false);
  });

  it("refuses an inactive user's passkey", async () => {
    const a = await userWithPasskey();
    const { env } = await import("cloudflare:workers");
    await env.DB.prepare("UPDATE users SET is_active = 0 WHERE id = ?").bind(a.userId).run();
    const { res } = await signInWith(a.auth, a.credential);
    expect(res.status).toBe(401);
    expect(res.body).toEqual(SIGN_IN_FAILED);
  });
});

describe("a passkey as the second step", () => {
  async function mfaUserWithPasskey() {
    const { enrolledUser, mfaToken } = await import("../mfa/helpers");
    const e = await enrolledUser();
    const added = await addPasskey(e);
    return { e, ...added, mfaToken: () => mfaToken(e.email, e.password) };
  }

  it("finishes a password login: options with the user's passkeys (UV preferred), verify answers amr ['pwd','hwk']", async () => {
    const m = await mfaUserWithPasskey();
    const mfaToken = await m.mfaToken();
    const options = await pk("/api/user/mfa/passkey/options/", { body: { mfa_token: mfaToken } });
    expect(options.status).toBe(200);
    expect(options.body.options).toEqual({
      challenge: expect.any(String),
      timeout: 300000,
      rpId: "example.com",
      allowCredentials: [{ type: "public-key", id: m.passkey.credential_id, transports: ["hybrid", "internal"] }],
      userVerification: "preferred",
    });
    // UV is not required here: the password was the first factor.
    const credential = await m.auth.get(options.body.options, m.credential, { flags: { uv: false }, userHandle: null });
    const res = await pk("/api/user/mfa/verify/", { body: { mfa_token: mfaToken, credential } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ token: { refresh: expect.any(String), access: expect.any(String) }, msg: "Login Success" });
    expect(claimsOf(res.body.token.access).amr).toEqual(["pwd", "hwk"]);
    // The mfa_token is spent.
    const again = await pk("/api/user/mfa/verify/", { body: { mfa_token: mfaToken, credential } });
    expect(again.status).toBe(401);
    const status = await pk("/api/user/mfa/", { token: res.body.token.access });
    expect(status.body).toEqual({ totp: true, recovery_codes_left: 10, passkeys: 1 });
  });

  it("answers 401 token_not_valid for a bad mfa_token", async () => {
    for (const mfa_token of ["not-a-token", "x".repeat(43)]) {
      const res = await pk("/api/user/mfa/passkey/options/", { body: { mfa_token } });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ errors: { detail: "Token is invalid or expired", code: "token_not_valid" } });
    }
  });

  it("refuses another user's credential (400 under credential, a wrong code: the 5th kills the mfa_token)", async () => {
    const m = await mfaUserWithPasskey();
    const stranger = await userWithPasskey();
    const mfaToken = await m.mfaToken();
    for (let i = 0; i < 4; i++) {
      const options = await pk("/api/user/mfa/passkey/options/", { body: { mfa_token: mfaToken } });
      const credential = await stranger.auth.get(options.body.options, stranger.credential);
      const res = await pk("/api/user/mfa/verify/", { body: { mfa_token: mfaToken, credential } });
      expect(res.status).toBe(400);
      expect(res.body).toEqual(NOT_VERIFIED);
    }
    const failed = await waitForEvent(m.e.userId, "mfa.failed", 4);
    expect(JSON.parse(failed[0]!.detail)).toMatchObject({ method: "credential" });
    // A wrong origin is the 5th wrong answer: the token dies, and the right passkey cannot save it.
    const options = await pk("/api/user/mfa/passkey/options/", { body: { mfa_token: mfaToken } });
    const wrongOrigin = await m.auth.get(options.body.options, m.credential, { origin: "https://evil.example.net" });
    expect((await pk("/api/user/mfa/verify/", { body: { mfa_token: mfaToken, credential: wrongOrigin } })).status).toBe(400);
    const later = await pk("/api/user/mfa/passkey/options/", { body: { mfa_token: mfaToken } });
    expect(later.status).toBe(401);
  });

  it("refuses a sign-in ceremony's answer as a second step, and a recovery code still works after a refusal", async () => {
    const m = await mfaUserWithPasskey();
    const mfaToken = await m.mfaToken();
    const signInOptions = await pk("/api/auth/passkey/options/", { body: {} });
    const credential = await m.auth.get(signInOptions.body.options, m.credential);
    expect((await pk("/api/user/mfa/verify/", { body: { mfa_token: mfaToken, credential } })).body).toEqual(NOT_VERIFIED);
    const res = await pk("/api/user/mfa/verify/", { body: { mfa_token: mfaToken, recovery_code: m.e.recoveryCodes[0] } });
    expect(res.status).toBe(200);
    expect(claimsOf(res.body.token.access).amr).toEqual(["pwd", "recovery_code"]);
  });
});

describe("admins and a user's passkeys", () => {
  it("lists and removes a user's passkeys (the last-way rule does not bind an admin); others get 403", async () => {
    const admin = await registerAdmin();
    const a = await userWithPasskey();
    await dropPassword(a.u.email);
    const list = await pk(`/api/admin/users/${a.userId}/passkeys/`, { token: admin.access });
    expect(list.status).toBe(200);
    expect(list.body.results.map((p: { id: number }) => p.id)).toEqual([a.passkey.id]);
    expect((await pk(`/api/admin/users/${a.userId}/passkeys/`, { token: a.u.access })).status).toBe(403);
    expect((await pk(`/api/admin/users/${a.userId}/passkeys/${a.passkey.id}/`, { method: "DELETE", token: a.u.access })).status).toBe(403);
    expect((await pk(`/api/admin/users/999999999/passkeys/`, { token: admin.access })).body).toEqual(NOT_FOUND);
    expect((await pk(`/api/admin/users/${admin.id}/passkeys/${a.passkey.id}/`, { method: "DELETE", token: admin.access })).status).toBe(404);
    const del = await pk(`/api/admin/users/${a.userId}/passkeys/${a.passkey.id}/`, { method: "DELETE", token: admin.access });
    expect(del.status).toBe(204);
    expect((await pk(`/api/admin/users/${a.userId}/passkeys/`, { token: admin.access })).body.results).toEqual([]);
    const [removed] = await waitForEvent(a.userId, "passkey.removed");
    expect(removed!.actor_id).toBe(admin.id);
    expect((await signInWith(a.auth, a.credential)).res.status).toBe(401);
  });
});
