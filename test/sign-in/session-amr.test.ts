import { describe, expect, it } from "vitest";
import { signIn } from "../../src/features/sign-in";
import { api, claimsOf, registerUser } from "../support/api";
import { awayFromStepEdge, codeFor, enrolledUser } from "../mfa/helpers";
import { testDeps, userByEmail } from "./helpers";

const refresh = async (token: string) => {
  const res = await api("/api/token/refresh/", { body: { refresh: token } });
  expect(res.status).toBe(200);
  return res.body as { access: string; refresh: string };
};

describe("amr and auth_time belong to the session", () => {
  it("every generation's access token carries the first one's amr and auth_time", async () => {
    const u = await registerUser();
    const { d } = testDeps();
    const r = await signIn(d, await userByEmail(u.email), { method: "email" });
    if (r.kind !== "session") throw new Error("no session");
    const first = claimsOf(r.pair.access);
    expect(first.amr).toEqual(["email"]);
    expect(Math.abs(first.auth_time - Date.now() / 1000)).toBeLessThan(5);
    let pair = r.pair;
    for (let i = 0; i < 3; i++) {
      pair = await refresh(pair.refresh);
      expect(claimsOf(pair.access)).toMatchObject({ amr: ["email"], auth_time: first.auth_time, sid: r.sessionId });
      expect(claimsOf(pair.refresh).amr).toBeUndefined();
    }
  });

  it("without rotation too", async () => {
    const u = await registerUser();
    const vars = { ROTATE_REFRESH_TOKENS: "false" };
    const res = await api("/api/token/refresh/", { body: { refresh: u.refresh }, vars });
    expect(res.status).toBe(200);
    expect(claimsOf(res.body.access)).toMatchObject({ amr: ["pwd"], auth_time: claimsOf(u.access).auth_time });
  });

  it("registration and password login sign in with ['pwd']", async () => {
    const u = await registerUser();
    expect(claimsOf(u.access).amr).toEqual(["pwd"]);
    const login = await api("/api/user/login/", { body: { email: u.email, password: u.password } });
    expect(claimsOf(login.body.token.access)).toMatchObject({ amr: ["pwd"] });
    expect(claimsOf(login.body.token.access).auth_time).toBeGreaterThanOrEqual(claimsOf(u.access).auth_time);
  });

  it("an MFA step appends its factor to the first step's amr: ['fed','otp'], ['email','recovery_code']; ['pwd','otp'] stays", async () => {
    const u = await enrolledUser();
    const user = await userByEmail(u.email);
    const { d, events } = testDeps();
    const viaProvider = await signIn(d, user, { method: "oidc", provider: "acme" });
    if (viaProvider.kind !== "mfa") throw new Error("expected an mfa challenge");
    expect(events.find((e) => e.type === "login.mfa_required")?.detail).toEqual({ method: "oidc", provider: "acme" });
    await awayFromStepEdge();
    const otp = await api("/api/user/mfa/verify/", { body: { mfa_token: viaProvider.challenge.mfaToken, code: await codeFor(u.secret, 1) } });
    expect(otp.status).toBe(200);
    expect(claimsOf(otp.body.token.access).amr).toEqual(["fed", "otp"]);
    expect(claimsOf((await refresh(otp.body.token.refresh)).access).amr).toEqual(["fed", "otp"]);

    const viaEmail = await signIn(d, user, { method: "email" });
    if (viaEmail.kind !== "mfa") throw new Error("expected an mfa challenge");
    const recovery = await api("/api/user/mfa/verify/", { body: { mfa_token: viaEmail.challenge.mfaToken, recovery_code: u.recoveryCodes[1] } });
    expect(recovery.status).toBe(200);
    expect(claimsOf(recovery.body.token.access).amr).toEqual(["email", "recovery_code"]);

    const login = await api("/api/user/login/", { body: { email: u.email, password: u.password } });
    const pwd = await api("/api/user/mfa/verify/", { body: { mfa_token: login.body.mfa_token, recovery_code: u.recoveryCodes[2] } });
    expect(claimsOf(pwd.body.token.access).amr).toEqual(["pwd", "recovery_code"]);
  });
});
