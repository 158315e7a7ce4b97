import { describe, expect, it } from "vitest";
import { api, GOOD_PASSWORD, randomIp } from "../support/api";
import { registerUser } from "../support/api";

const NEW_PASSWORD = "Quiet-Lantern-77";
const change = (access: string, current: string, password = NEW_PASSWORD, ip = randomIp()) =>
  api("/api/user/changepassword/", { token: access, body: { password, password2: password, current_password: current }, headers: { "cf-connecting-ip": ip } });
const login = async (email: string, password = GOOD_PASSWORD) => (await api("/api/user/login/", { body: { email, password } })).body.token;

describe("change password is not a password oracle", () => {
  it("five wrong current passwords end the session that sent them, whatever the addresses", async () => {
    const u = await registerUser();
    for (let i = 0; i < 5; i++) {
      const res = await change(u.access, `wrong-guess-${i}`);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ errors: { current_password: ["Your old password was entered incorrectly. Please enter it again."] } });
    }
    expect((await api("/api/user/profile/", { token: u.access })).status).toBe(401);
    expect((await api("/api/token/refresh/", { body: { refresh: u.refresh } })).status).toBe(401);
    // The password itself never changed, and the account still signs in.
    expect(await login(u.email)).toBeDefined();
  });

  it("per user, from any addresses and sessions: the sixth attempt in a minute is throttled, the right password too", async () => {
    const u = await registerUser();
    const other = await login(u.email);
    for (let i = 0; i < 3; i++) expect((await change(u.access, `guess-a-${i}`)).status).toBe(400);
    for (let i = 0; i < 2; i++) expect((await change(other.access, `guess-b-${i}`)).status).toBe(400);
    const res = await change(other.access, GOOD_PASSWORD);
    expect(res.status).toBe(429);
    // The rest of the budget's 60 s window, counted from the first wrong password (a loaded
    // machine may take seconds to get here).
    const wait = Number(res.headers.get("retry-after"));
    expect(wait).toBeGreaterThanOrEqual(50);
    expect(wait).toBeLessThanOrEqual(60);
    expect(res.body).toEqual({ errors: { detail: `Request was throttled. Expected available in ${wait} seconds.`, code: "throttled" } });
    expect(await login(u.email)).toBeDefined();
  });

  it("a change repeated after its answer was lost (a 503 that committed) answers 200 again", async () => {
    const u = await registerUser();
    expect((await change(u.access, GOOD_PASSWORD)).status).toBe(200);
    const retry = await change(u.access, GOOD_PASSWORD);
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual({ msg: "Password Changed Successfully" });
    expect(await login(u.email, NEW_PASSWORD)).toBeDefined();
    // A different new password is not a retry: the old password is still wrong.
    expect((await change(u.access, GOOD_PASSWORD, "Other-Harbor-2025")).status).toBe(400);
  });
});
