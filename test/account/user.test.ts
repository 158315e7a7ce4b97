import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, claimsOf, GOOD_PASSWORD, registerUser, signTestToken, uniqueEmail } from "../support/api";

const register = (body: Record<string, unknown>) => api("/api/user/register/", { body });
const valid = () => ({ email: uniqueEmail(), name: "Ada Lovelace", password: GOOD_PASSWORD, password2: GOOD_PASSWORD, tc: true });

describe("POST /api/user/register/", () => {
  it("creates the account and answers a token pair for it", async () => {
    const body = valid();
    const res = await register(body);
    expect(res.status).toBe(201);
    expect(res.body.msg).toBe("Registration Successful");
    const access = claimsOf(res.body.token.access);
    expect(access.token_type).toBe("access");
    expect(claimsOf(res.body.token.refresh).token_type).toBe("refresh");
    const profile = await api("/api/user/profile/", { token: res.body.token.access });
    expect(profile.body).toMatchObject({ id: access.user_id, email: body.email, name: "Ada Lovelace" });
  });

  it("stores the e-mail trimmed with its domain lower-cased, and a bcrypt hash", async () => {
    const local = `Mixed.Case.${Date.now()}`;
    const res = await register({ ...valid(), email: `  ${local}@Example.ORG ` });
    expect(res.status).toBe(201);
    const row = await env.DB.prepare("SELECT email, password FROM users WHERE id = ?").bind(claimsOf(res.body.token.access).user_id).first<{ email: string; password: string }>();
    expect(row!.email).toBe(`${local}@example.org`);
    expect(row!.password).toMatch(/^bcrypt_sha256\$\$2b\$04\$/);
  });

  it("requires every field, with DRF's message", async () => {
    const res = await register({});
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      errors: {
        email: ["This field is required."],
        name: ["This field is required."],
        password: ["This field is required."],
        password2: ["This field is required."],
        tc: ["This field is required."],
      },
    });
  });

  it("refuses a malformed e-mail", async () => {
    for (const email of ["not-an-email", "a@b", "a@@b.com", "a b@c.com", "@example.com"]) {
      const res = await register({ ...valid(), email });
      expect(res.status, email).toBe(400);
      expect(res.body.errors.email, email).toEqual(["Enter a valid email address."]);
    }
  });

  it("refuses mismatched passwords under non_field_errors", async () => {
    const res = await register({ ...valid(), password2: "something-else-entirely-9" });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ errors: { non_field_errors: ["Password and Confirm Password doesn't match"] } });
  });

  it("refuses tc false (differs: Django accepts it)", async () => {
    for (const tc of [false, "false", 0]) {
      const res = await register({ ...valid(), tc });
      expect(res.status).toBe(400);
      expect(res.body.errors.tc).toEqual(["You must accept the terms and conditions."]);
    }
    const wrongType = await register({ ...valid(), tc: "maybe" });
    expect(wrongType.body.errors.tc).toEqual(["Must be a valid boolean."]);
  });

  it("refuses an e-mail already registered, in any letter case", async () => {
    const first = valid();
    await register(first);
    const upper = first.email.replace(/^[^@]+/, (l) => l.toUpperCase());
    const res = await register({ ...valid(), email: upper });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ errors: { email: ["user with this Email already exists."] } });
  });

  it("applies Django's password validators, each failure a message", async () => {
    const res = await register({ ...valid(), password: "123", password2: "123" });
    expect(res.status).toBe(400);
    expect(res.body.errors.password).toEqual([
      "This password is too short. It must contain at least 8 characters.",
      "This password is too common.",
      "This password is entirely numeric.",
    ]);
    const similar = await register({ ...valid(), email: `lovelace.ada${Date.now()}@example.com`, name: "Ada Lovelace", password: "adalovelace", password2: "adalovelace" });
    expect(similar.body.errors.password).toEqual(["The password is too similar to the Email."]);
    const byName = await register({ ...valid(), name: "Ada Lovelace", password: "lovelace-ada", password2: "lovelace-ada" });
    expect(byName.body.errors.password).toEqual(["The password is too similar to the name."]);
    const common = await register({ ...valid(), password: "password1", password2: "password1" });
    expect(common.body.errors.password).toEqual(["This password is too common."]);
  });

  it("refuses passwords over 4096 characters and names over 200", async () => {
    const long = "x".repeat(4097);
    const res = await register({ ...valid(), password: long, password2: long, name: "n".repeat(201) });
    expect(res.status).toBe(400);
    expect(res.body.errors.password).toEqual(["Ensure this field has no more than 4096 characters."]);
    expect(res.body.errors.name).toEqual(["Ensure this field has no more than 200 characters."]);
  });

  it("refuses wrong JSON types with DRF's messages", async () => {
    const res = await register({ email: 5, name: null, password: ["x"], password2: {}, tc: true });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual({
      email: ["Not a valid string."],
      name: ["This field may not be null."],
      password: ["Not a valid string."],
      password2: ["Not a valid string."],
    });
  });

  it("lets exactly one of many concurrent registrations of one e-mail succeed", async () => {
    const email = uniqueEmail("race");
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => register({ ...valid(), email: i % 2 ? email.toUpperCase() : email })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    for (const r of results.filter((r) => r.status !== 201)) {
      expect(r.status).toBe(400);
      expect(r.body.errors.email).toEqual(["user with this Email already exists."]);
    }
    const { count } = (await env.DB.prepare("SELECT count(*) AS count FROM users WHERE lower(email) = lower(?)").bind(email).first<{ count: number }>())!;
    expect(count).toBe(1);
  });
});

describe("POST /api/user/login/", () => {
  it("signs in with the e-mail in any letter case", async () => {
    const u = await registerUser();
    const res = await api("/api/user/login/", { body: { email: u.email.toUpperCase(), password: u.password } });
    expect(res.status).toBe(200);
    expect(res.body.msg).toBe("Login Success");
    expect(claimsOf(res.body.token.access).user_id).toBe(claimsOf(u.access).user_id);
    expect(claimsOf(res.body.token.refresh).sid).not.toBe(claimsOf(u.refresh).sid);
  });

  it("answers the same 401 for an unknown e-mail, a wrong password and an inactive user", async () => {
    const u = await registerUser();
    const inactive = await registerUser();
    await env.DB.prepare("UPDATE users SET is_active = 0 WHERE lower(email) = lower(?)").bind(inactive.email).run();
    const expected = { errors: { non_field_errors: ["Email or Password is not Valid"] } };
    for (const body of [
      { email: uniqueEmail("nobody"), password: GOOD_PASSWORD },
      { email: u.email, password: "wrong-password-123" },
      { email: inactive.email, password: inactive.password },
    ]) {
      const res = await api("/api/user/login/", { body });
      expect(res.status).toBe(401);
      expect(res.body).toEqual(expected);
    }
  });

  it("re-hashes at the configured cost when BCRYPT_COST changed", async () => {
    const u = await registerUser();
    const hash = () => env.DB.prepare("SELECT password FROM users WHERE lower(email) = lower(?)").bind(u.email).first<{ password: string }>();
    expect((await hash())!.password).toMatch(/^bcrypt_sha256\$\$2b\$04\$/);
    const res = await api("/api/user/login/", { body: { email: u.email, password: u.password }, vars: { BCRYPT_COST: "5" } });
    expect(res.status).toBe(200);
    expect((await hash())!.password).toMatch(/^bcrypt_sha256\$\$2b\$05\$/);
    expect((await api("/api/user/login/", { body: { email: u.email, password: u.password } })).status).toBe(200);
  });

  it("requires both fields", async () => {
    const res = await api("/api/user/login/", { body: {} });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ errors: { email: ["This field is required."], password: ["This field is required."] } });
  });
});

describe("GET /api/user/profile/", () => {
  it("answers the user, never a secret", async () => {
    const u = await registerUser({ name: "Grace" });
    const res = await api("/api/user/profile/", { token: u.access });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ email: u.email, name: "Grace", tc: true });
    // has_password (v3) is the one field that names it: a boolean, never the hash.
    expect(res.body.has_password).toBe(true);
    const { has_password: _, ...rest } = res.body;
    expect(JSON.stringify(rest)).not.toMatch(/password|bcrypt|\$2b\$/);
  });

  it("says credentials were not provided without a token", async () => {
    for (const headers of [{}, { authorization: "Token abc" }, { authorization: "Basic dXNlcjpwYXNz" }] as Record<string, string>[]) {
      const res = await api("/api/user/profile/", { headers });
      expect(res.status).toBe(401);
      expect(res.body.errors).toMatchObject({ detail: "Authentication credentials were not provided." });
    }
  });

  it("refuses a refresh token, a tampered, an expired and a garbage token", async () => {
    const u = await registerUser();
    const [h, p, s] = u.access.split(".");
    const tampered = `${h}.${btoa(JSON.stringify({ ...claimsOf(u.access), user_id: 1 })).replace(/=+$/, "")}.${s}`;
    const now = Math.floor(Date.now() / 1000);
    const expired = await signTestToken({ ...claimsOf(u.access), iat: now - 600, exp: now - 300 });
    const future = await signTestToken({ ...claimsOf(u.access), iat: now + 3600, exp: now + 7200 });
    for (const token of [u.refresh, tampered, `${h}.${p}.`, "garbage", `${h}.${p}.${s}x`, expired, future]) {
      const res = await api("/api/user/profile/", { token });
      expect(res.status).toBe(401);
      expect(res.body.errors).toMatchObject({ detail: "Given token not valid for any token type", code: "token_not_valid" });
    }
  });

  it("refuses a token signed with another key or with alg none", async () => {
    const u = await registerUser();
    const [, p] = u.access.split(".");
    const none = `${btoa(JSON.stringify({ alg: "none", typ: "JWT" })).replace(/=+$/, "")}.${p}.`;
    const res = await api("/api/user/profile/", { token: none });
    expect(res.status).toBe(401);
    const otherKey = await api("/api/user/profile/", { token: u.access, vars: { JWT_SIGNING_KEY: "another-signing-key-that-is-long-enough-0123456789" } });
    expect(otherKey.status).toBe(401);
  });
});

describe("POST /api/user/changepassword/", () => {
  const change = (token: string, body: Record<string, unknown>) => api("/api/user/changepassword/", { token, body });

  it("changes the password: the new one signs in, the old one does not", async () => {
    const u = await registerUser();
    const res = await change(u.access, { current_password: u.password, password: "Another-Secret-77", password2: "Another-Secret-77" });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ msg: "Password Changed Successfully" });
    expect((await api("/api/user/login/", { body: { email: u.email, password: u.password } })).status).toBe(401);
    expect((await api("/api/user/login/", { body: { email: u.email, password: "Another-Secret-77" } })).status).toBe(200);
  });

  it("revokes every refresh token issued before it, and other sessions' access tokens", async () => {
    const u = await registerUser();
    const other = (await api("/api/user/login/", { body: { email: u.email, password: u.password } })).body.token;
    await change(u.access, { current_password: u.password, password: "Another-Secret-77", password2: "Another-Secret-77" });
    for (const refresh of [u.refresh, other.refresh]) {
      const res = await api("/api/token/refresh/", { body: { refresh } });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ detail: "Token is invalid or expired", code: "token_not_valid" });
    }
    expect((await api("/api/user/profile/", { token: other.access })).status).toBe(401);
    // The caller's own access token lives out its few minutes, as in Django.
    expect((await api("/api/user/profile/", { token: u.access })).status).toBe(200);
  });

  it("requires and checks current_password (differs)", async () => {
    const u = await registerUser();
    const missing = await change(u.access, { password: "Another-Secret-77", password2: "Another-Secret-77" });
    expect(missing.body).toEqual({ errors: { current_password: ["This field is required."] } });
    const wrong = await change(u.access, { current_password: "not-it-at-all", password: "Another-Secret-77", password2: "Another-Secret-77" });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toEqual({ errors: { current_password: ["Your old password was entered incorrectly. Please enter it again."] } });
  });

  it("refuses a mismatch and weak passwords", async () => {
    const u = await registerUser();
    const mismatch = await change(u.access, { current_password: u.password, password: "Another-Secret-77", password2: "Another-Secret-78" });
    expect(mismatch.body).toEqual({ errors: { non_field_errors: ["Password and Confirm Password doesn't match"] } });
    const weak = await change(u.access, { current_password: u.password, password: "12345678", password2: "12345678" });
    expect(weak.status).toBe(400);
    expect(weak.body.errors.password).toEqual(["This password is too common.", "This password is entirely numeric."]);
    expect((await api("/api/user/login/", { body: { email: u.email, password: u.password } })).status).toBe(200);
  });

  it("requires authentication", async () => {
    const res = await change("", { current_password: "x", password: "y", password2: "y" });
    expect(res.status).toBe(401);
  });
});
