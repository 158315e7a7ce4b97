import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { loginAnswerBody, signIn, type SignInMethod, type SignInResult } from "../../src/features/sign-in";
import { api, claimsOf, registerUser } from "../support/api";
import { enrolledUser } from "../mfa/helpers";
import { testDeps, userByEmail } from "./helpers";

describe("signIn", () => {
  it.each([
    ["oidc", "fed"],
    ["email", "email"],
    ["passkey", "hwk"],
    ["password", "pwd"],
  ] as [SignInMethod, string][])("%s opens a session whose first access token carries amr [%s], and says so in login.succeeded", async (method, amr) => {
    const u = await registerUser();
    const { d, events } = testDeps();
    const r = await signIn(d, await userByEmail(u.email), { method, ...(method === "oidc" ? { provider: "acme" } : {}) });
    expect(r.kind).toBe("session");
    if (r.kind !== "session") return;
    expect(claimsOf(r.pair.access).amr).toEqual([amr]);
    expect(claimsOf(r.pair.access).sid).toBe(r.sessionId);
    expect((await api("/api/user/profile/", { token: r.pair.access })).status).toBe(200);
    const ev = events.find((e) => e.type === "login.succeeded");
    expect(ev).toMatchObject({ sessionId: r.sessionId, detail: { method } });
    expect(ev?.detail?.provider).toBe(method === "oidc" ? "acme" : undefined);
  });

  it("an inactive user gets nothing: no session, no event", async () => {
    const u = await registerUser();
    const user = await userByEmail(u.email);
    await env.DB.prepare("UPDATE users SET is_active = 0 WHERE id = ?").bind(user.id).run();
    const { d, events } = testDeps();
    const before = await env.DB.prepare("SELECT count(*) AS n FROM sessions WHERE user_id = ?").bind(user.id).first<{ n: number }>();
    expect(await signIn(d, { ...user, isActive: false }, { method: "email" })).toEqual({ kind: "inactive" });
    // A stale row that still says active: the primary's refusal is checked again.
    expect(await signIn(d, user, { method: "email" })).toEqual({ kind: "inactive" });
    const after = await env.DB.prepare("SELECT count(*) AS n FROM sessions WHERE user_id = ?").bind(user.id).first<{ n: number }>();
    expect(after!.n).toBe(before!.n);
    expect(events.filter((e) => e.type === "login.succeeded")).toEqual([]);
  });

  it("a user with MFA gets an mfa challenge that /api/user/mfa/verify/ accepts; a passkey (secondStep: false) gets the session", async () => {
    const u = await enrolledUser();
    const user = await userByEmail(u.email);
    const { d, events } = testDeps();
    const r = await signIn(d, user, { method: "oidc", provider: "acme" });
    expect(r.kind).toBe("mfa");
    if (r.kind !== "mfa") return;
    expect(events.map((e) => e.type)).toContain("login.mfa_required");
    const verified = await api("/api/user/mfa/verify/", { body: { mfa_token: r.challenge.mfaToken, recovery_code: u.recoveryCodes[0] } });
    expect(verified.status).toBe(200);
    expect(verified.body.msg).toBe("Login Success");

    const passkey = await signIn(d, user, { method: "passkey", secondStep: false });
    expect(passkey.kind).toBe("session");
    if (passkey.kind === "session") expect(claimsOf(passkey.pair.access).amr).toEqual(["hwk"]);
  });

  it("a stale row (MFA enabled since it was read) gets the challenge, not a session", async () => {
    const u = await enrolledUser();
    const user = await userByEmail(u.email);
    const { d } = testDeps();
    const r = await signIn(d, { ...user, mfaEnabled: false }, { method: "email" });
    expect(r.kind).toBe("mfa");
  });
});

describe("loginAnswerBody", () => {
  it("is word for word what /api/user/login/ answers", async () => {
    const u = await registerUser();
    const login = await api("/api/user/login/", { body: { email: u.email, password: u.password } });
    const session: SignInResult = { kind: "session", pair: { refresh: "r", access: "a" }, sessionId: "s" };
    const body = loginAnswerBody(session);
    expect(body).toEqual({ token: { refresh: "r", access: "a" }, msg: "Login Success" });
    expect(Object.keys(body).sort()).toEqual(Object.keys(login.body).sort());
    expect(body.msg).toBe(login.body.msg);

    const m = await enrolledUser();
    const mfaLogin = await api("/api/user/login/", { body: { email: m.email, password: m.password } });
    const mfaBody = loginAnswerBody({ kind: "mfa", challenge: { mfaToken: "tok" } });
    expect(mfaBody).toEqual({ mfa_required: true, mfa_token: "tok", msg: "Two-factor authentication required" });
    expect({ ...mfaLogin.body, mfa_token: "tok" }).toEqual(mfaBody);
  });
});
