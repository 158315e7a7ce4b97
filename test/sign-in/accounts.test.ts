import { describe, expect, it } from "vitest";
import { createAccountWithoutPassword, hasPassword } from "../../src/features/sign-in";
import { api, registerUser, uniqueEmail } from "../support/api";
import { testDeps } from "./helpers";

describe("createAccountWithoutPassword", () => {
  it("creates a verified account without a usable password, and says how in user.registered", async () => {
    const { d, events } = testDeps();
    const email = uniqueEmail("Fresh");
    const r = await createAccountWithoutPassword(d, { email, name: "Ada\u0000 Love\u0007lace", tc: true, method: "oidc", provider: "acme" });
    expect(r.kind).toBe("created");
    expect(r.user).toMatchObject({ email, name: "Ada Lovelace", tc: true, emailVerified: true, isActive: true });
    expect(hasPassword(r.user)).toBe(false);
    expect(r.user.password.startsWith("!")).toBe(true);
    expect(events).toContainEqual({ type: "user.registered", userId: r.user.id, sessionId: undefined, detail: { method: "oidc", provider: "acme" } });
  });

  it("names: at most 200 characters; none (or only control characters) gives the address's local part", async () => {
    const { d } = testDeps();
    const long = await createAccountWithoutPassword(d, { email: uniqueEmail(), name: "é".repeat(250), tc: false, method: "email" });
    expect([...long.user.name].length).toBe(200);
    expect(long.user.tc).toBe(false);
    const email = uniqueEmail("local");
    const none = await createAccountWithoutPassword(d, { email, name: null, tc: true, method: "email" });
    expect(none.user.name).toBe(email.split("@")[0]);
    const controls = await createAccountWithoutPassword(d, { email: uniqueEmail("ctl"), name: "\u0001\u0002 ", tc: true, method: "email" });
    expect(controls.user.name).toMatch(/^ctl\./);
  });

  it("an address already taken (any letter case) answers the existing account and creates nothing", async () => {
    const u = await registerUser();
    const { d, events } = testDeps();
    const r = await createAccountWithoutPassword(d, { email: u.email.toUpperCase().replace("@EXAMPLE.COM", "@example.com"), name: "Other", tc: true, method: "email" });
    expect(r.kind).toBe("exists");
    expect(r.user.email).toBe(u.email);
    expect(r.user.name).toBe(u.name);
    expect(events.filter((e) => e.type === "user.registered")).toEqual([]);
  });

  it("password login and /api/token/ answer such an account 401 exactly as a wrong password", async () => {
    const { d } = testDeps();
    const email = uniqueEmail("nopw");
    await createAccountWithoutPassword(d, { email, name: null, tc: true, method: "email" });
    const known = await registerUser();
    for (const password of ["", "!", "anything-at-all-1"]) {
      const login = await api("/api/user/login/", { body: { email, password: password || "x" } });
      const wrong = await api("/api/user/login/", { body: { email: known.email, password: password || "x" } });
      expect(login.status).toBe(401);
      expect(login.body).toEqual(wrong.body);
      const token = await api("/api/token/", { body: { email, password: password || "x" } });
      const tokenWrong = await api("/api/token/", { body: { email: known.email, password: password || "x" } });
      expect(token.status).toBe(401);
      expect(token.body).toEqual(tokenWrong.body);
    }
  });
});
