import { describe, expect, it } from "vitest";
import { api, registerUser } from "../support/api";

// Issue 22 item 9: a token field holding something that is not a live token of its type is
// simplejwt's 401 token_not_valid, whatever its length; never a length-validation 400.
describe("token fields answer token_not_valid whatever they hold", () => {
  it("an access token (or any long string) as mfa_token is 401, not 400 'no more than 256 characters'", async () => {
    const u = await registerUser();
    const long = u.access.padEnd(300, "x");
    for (const mfa_token of [long, u.access, "x".repeat(5000), "short"]) {
      const res = await api("/api/user/mfa/verify/", { body: { mfa_token, code: "123456" } });
      expect(res.status, mfa_token.slice(0, 20)).toBe(401);
      expect(res.body).toEqual({ errors: { detail: "Token is invalid or expired", code: "token_not_valid" } });
    }
  });

  it("refresh, verify and blacklist answer 401 for long garbage and for the wrong type", async () => {
    const u = await registerUser();
    const garbage = "y".repeat(3000);
    for (const [path, field, value] of [
      ["/api/token/refresh/", "refresh", garbage],
      ["/api/token/refresh/", "refresh", u.access.padEnd(300, "z")],
      ["/api/token/verify/", "token", garbage],
      ["/api/token/blacklist/", "refresh", garbage],
      ["/api/token/blacklist/", "refresh", u.access],
    ] as const) {
      const res = await api(path, { body: { [field]: value } });
      expect(res.status, `${path} ${value.slice(0, 10)}`).toBe(401);
      expect(res.body.code).toBe("token_not_valid");
    }
  });

  it("a missing or blank mfa_token stays a field error, as DRF's", async () => {
    const missing = await api("/api/user/mfa/verify/", { body: { code: "123456" } });
    expect(missing.status).toBe(400);
    expect(missing.body.errors.mfa_token).toEqual(["This field is required."]);
    const blank = await api("/api/user/mfa/verify/", { body: { mfa_token: "", code: "123456" } });
    expect(blank.status).toBe(400);
    expect(blank.body.errors.mfa_token).toEqual(["This field may not be blank."]);
  });
});

describe("token fields parse as DRF's CharField", () => {
  it("a number is its text (then an invalid token: 401); blank after trimming is 400; other types 400", async () => {
    for (const [path, field] of [
      ["/api/token/refresh/", "refresh"],
      ["/api/token/verify/", "token"],
      ["/api/token/blacklist/", "refresh"],
    ] as const) {
      expect((await api(path, { body: { [field]: 12345 } })).status, path).toBe(401);
      const blank = await api(path, { body: { [field]: "   " } });
      expect(blank.status, path).toBe(400);
      expect(blank.body).toEqual({ [field]: ["This field may not be blank."] });
      const wrong = await api(path, { body: { [field]: { a: 1 } } });
      expect(wrong.status, path).toBe(400);
      expect(wrong.body).toEqual({ [field]: ["Not a valid string."] });
      const missing = await api(path, { body: {} });
      expect(missing.body).toEqual({ [field]: ["This field is required."] });
    }
    expect((await api("/api/user/mfa/verify/", { body: { mfa_token: 12345, code: "123456" } })).status).toBe(401);
  });
});
