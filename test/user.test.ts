import { describe, expect, it } from "vitest";
import { api, claimsOf, GOOD_PASSWORD, registerUser, uniqueEmail } from "./support/api";

describe("POST /api/user/register/", () => {
  it("creates the account and answers a token pair", async () => {
    const email = uniqueEmail();
    const res = await api("/api/user/register/", { body: { email, name: "Ada", password: GOOD_PASSWORD, password2: GOOD_PASSWORD, tc: true } });
    expect(res.status).toBe(201);
    expect(res.body.msg).toBe("Registration Successful");
    expect(claimsOf(res.body.token.access).token_type).toBe("access");
    expect(claimsOf(res.body.token.refresh).token_type).toBe("refresh");
  });
});
