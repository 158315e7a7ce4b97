import { describe, expect, it } from "vitest";
import { requireRecentSignIn } from "../../src/features/sign-in";
import { createAccountWithoutPassword } from "../../src/features/sign-in";
import { AppError } from "../../src/kernel/errors";
import { api, claimsOf, GOOD_PASSWORD, registerUser, uniqueEmail } from "../support/api";
import { signIn } from "../../src/features/sign-in";
import { ageSession, authOf, testDeps } from "./helpers";

async function refusal(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
  return err;
}

const REAUTH = { detail: "Please sign in again to continue.", code: "reauthentication_required" };

describe("requireRecentSignIn", () => {
  it("passes for a session signed into just now, refuses it 403 past REAUTH_MAX_AGE (default 300)", async () => {
    const u = await registerUser();
    const { d } = testDeps();
    expect(d.config.REAUTH_MAX_AGE).toBe(300);
    await expect(requireRecentSignIn(d, await authOf(d, u.access), undefined)).resolves.toBeUndefined();
    await ageSession(claimsOf(u.access).sid, 301);
    const err = await refusal(requireRecentSignIn(d, await authOf(d, u.access), undefined));
    expect(err.status).toBe(403);
    expect(err.body).toEqual(REAUTH);
  });

  it("a refresh does not renew the sign-in", async () => {
    const u = await registerUser();
    const { d } = testDeps();
    await ageSession(claimsOf(u.access).sid, 400);
    const refreshed = await api("/api/token/refresh/", { body: { refresh: u.refresh } });
    expect(refreshed.status).toBe(200);
    const err = await refusal(requireRecentSignIn(d, await authOf(d, refreshed.body.access), undefined));
    expect(err.status).toBe(403);
  });

  it("REAUTH_MAX_AGE is the capability's setting", async () => {
    const u = await registerUser();
    await ageSession(claimsOf(u.access).sid, 400);
    const { d } = testDeps({ vars: { REAUTH_MAX_AGE: "600" } });
    await expect(requireRecentSignIn(d, await authOf(d, u.access), undefined)).resolves.toBeUndefined();
  });

  it("an old session passes with the right current_password; a wrong one is 400 under current_password and draws on the one budget", async () => {
    const u = await registerUser();
    const { d } = testDeps();
    await ageSession(claimsOf(u.access).sid, 400);
    const auth = await authOf(d, u.access);
    await expect(requireRecentSignIn(d, auth, u.password)).resolves.toBeUndefined();
    const wrong = await refusal(requireRecentSignIn(d, auth, "not-the-password"));
    expect(wrong.status).toBe(400);
    expect(Object.keys(wrong.body)).toEqual(["current_password"]);
    for (let i = 0; i < 4; i++) await refusal(requireRecentSignIn(d, auth, "not-the-password"));
    // Five wrong ones in all: the account's budget is spent, for the right password too, and for change password.
    const spent = await refusal(requireRecentSignIn(d, auth, u.password));
    expect(spent.status).toBe(429);
    const change = await api("/api/user/changepassword/", { token: u.access, body: { current_password: u.password, password: GOOD_PASSWORD + "x", password2: GOOD_PASSWORD + "x" } });
    expect(change.status).toBe(429);
  });

  it("a user without a password cannot offer one: signing in again is the only way", async () => {
    const { d } = testDeps();
    const { user } = await createAccountWithoutPassword(d, { email: uniqueEmail("nopw"), name: "No Password", tc: true, method: "email" });
    const r = await signIn(d, user, { method: "email" });
    if (r.kind !== "session") throw new Error("no session");
    await ageSession(r.sessionId, 400);
    const err = await refusal(requireRecentSignIn(d, await authOf(d, r.pair.access), "anything"));
    expect(err.status).toBe(403);
    expect(err.body).toEqual(REAUTH);
  });
});
