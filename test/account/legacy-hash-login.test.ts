import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, GOOD_PASSWORD, registerUser, uniqueEmail } from "../support/api";

// Login answers the same codes after the same number of attempts for every kind of e-mail,
// including imported PBKDF2 hashes too slow for WebCrypto, whose checks are bounded per account.

/** Django's pbkdf2_sha256 string, made with WebCrypto (local workerd accepts any count). */
async function djangoPbkdf2(password: string, iterations: number, salt = "legacysalt123") {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", enc.encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: enc.encode(salt), iterations }, key, 256);
  return `pbkdf2_sha256$${iterations}$${salt}$${btoa(String.fromCharCode(...new Uint8Array(bits)))}`;
}

/** Runs a burst until one run falls inside a single clock minute (Miniflare's rate-limit windows). */
async function inOneMinute<T>(burst: () => Promise<T>): Promise<T> {
  const minute = () => Math.floor(Date.now() / 60_000);
  for (let tries = 1; ; tries++) {
    const start = minute();
    const result = await burst();
    if (minute() === start || tries === 3) return result;
  }
}

const attempt = async (email: string, password: string) => {
  const started = Date.now();
  const res = await api("/api/user/login/", { body: { email, password } });
  return { status: res.status, body: res.body, ms: Date.now() - started };
};

describe("legacy hashes do not tell", () => {
  it("unknown, inactive, ordinary and slow PBKDF2 accounts: 30 answers of 401, then 429, alike", async () => {
    const kinds: Record<string, () => Promise<string>> = {
      unknown: async () => uniqueEmail("nobody"),
      inactive: async () => {
        const u = await registerUser();
        await env.DB.prepare("update users set is_active = 0 where email = ?").bind(u.email).run();
        return u.email;
      },
      ordinary: async () => (await registerUser()).email,
      // Above WebCrypto's 100,000 iterations: checked in JavaScript, the costly kind.
      imported: async () => {
        const u = await registerUser();
        await env.DB.prepare("update users set password = ? where email = ?").bind(await djangoPbkdf2(GOOD_PASSWORD, 100_001), u.email).run();
        return u.email;
      },
    };
    const expected = [...Array(30).fill(401), 429];
    for (const [kind, make] of Object.entries(kinds)) {
      const runs = await inOneMinute(async () => {
        const email = await make();
        const out: { status: number; ms: number }[] = [];
        for (let i = 0; i < 31; i++) {
          const r = await attempt(email, `Wrong-password-${i}`);
          if (r.status === 401) expect(r.body).toEqual({ errors: { non_field_errors: ["Email or Password is not Valid"] } });
          out.push(r);
        }
        return out;
      });
      expect(runs.map((r) => r.status), kind).toEqual(expected);
      if (kind !== "imported") continue;
      // Past its budget (5 a minute) the slow hash is not checked at all: those answers take
      // far less than the first ones, which each ran the PBKDF2.
      const slow = Math.min(...runs.slice(0, 5).map((r) => r.ms));
      const median = runs.slice(5, 30).map((r) => r.ms).sort((x, y) => x - y)[12]!;
      expect(median).toBeLessThan(slow / 2);
    }
  }, 120_000);

  it("past the budget even the right password is refused as a wrong one (401, not 429)", async () => {
    let n = 0;
    const right = await inOneMinute(async () => {
      const imported = await registerUser();
      await env.DB.prepare("update users set password = ? where email = ?").bind(await djangoPbkdf2(GOOD_PASSWORD, 100_001, `othersalt${n++}`), imported.email).run();
      for (let i = 0; i < 5; i++) expect((await attempt(imported.email, `Wrong-password-${i}`)).status).toBe(401);
      return attempt(imported.email, GOOD_PASSWORD);
    });
    expect(right.status).toBe(401);
    expect(right.body).toEqual({ errors: { non_field_errors: ["Email or Password is not Valid"] } });
  }, 120_000);
});
