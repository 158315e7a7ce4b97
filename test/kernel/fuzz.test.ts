import { env } from "cloudflare:workers";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, registerUser, type ApiResponse } from "../support/api";
import { installMailbox } from "../support/mailbox";

const RUNS = 40;
const ODD = [
  "\u0000",
  "a\u0000b@example.com",
  "\u202eevil\u202c@example.com",
  "\u200f",
  "аdmin@example.com", // Cyrillic а
  "admin@еxample.com",
  "\ud800",
  "x\udfffy",
  "ﬁ@example.com",
  "🔑".repeat(3000),
  "A".repeat(70_000),
  " ",
  "",
  "null",
  "{}",
  "'; DROP TABLE users; --",
  "%00",
  "../../etc/passwd",
];

/** A path segment from any string: lone surrogates cannot be percent-encoded, so they become U+FFFD. */
const segment = (s: string) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, "\ufffd") || "x");

const oddString = fc.oneof(fc.constantFrom(...ODD), fc.string({ unit: "binary", maxLength: 300 }), fc.string({ maxLength: 5000 }));
const anyValue = fc.oneof(oddString, fc.jsonValue({ maxDepth: 3 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const bodyFor = (fields: string[]) =>
  fc.oneof(
    fc.record(Object.fromEntries(fields.map((f) => [f, anyValue])), { requiredKeys: [] }),
    fc.dictionary(fc.string({ maxLength: 20 }), anyValue, { maxKeys: 8 }),
    fc.jsonValue({ maxDepth: 2 }),
  );

/** A JSON object: not null, not an array (typeof says "object" for both). */
const isObject = (v: unknown): v is Record<string, any> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Whether a body fits the contract's 64 KiB limit (a larger one is a 413, whatever it holds). */
const fits = (body: unknown) => new TextEncoder().encode(JSON.stringify(body)).byteLength <= 64 * 1024;

/** A JSON body that is not an object: null, an array or a scalar, within the size limit. */
const nonObjectBody = fc.oneof(fc.constant(null), fc.array(anyValue, { maxLength: 5 }), oddString, fc.integer(), fc.double(), fc.boolean()).filter(fits);
const NOT_OBJECT = /^Invalid data\. Expected a dictionary, but got (NoneType|list|str|int|float|bool)\.$/;

/** Every answer: never a 5xx, always a JSON object in the contract's envelope for its family. */
function assertEnvelope(path: string, res: ApiResponse) {
  expect(res.status, `${path} ${JSON.stringify(res.body)?.slice(0, 200)}`).toBeLessThan(500);
  expect(res.status === 204 || isObject(res.body), `${path} ${JSON.stringify(res.body)?.slice(0, 200)}`).toBe(true);
  if (res.status < 400) return;
  const payload = path.startsWith("/api/token") ? res.body : res.body.errors;
  expect(isObject(payload), `${path} ${JSON.stringify(res.body)}`).toBe(true);
  const ok =
    typeof payload.detail === "string" ||
    Object.values(payload).every((v) => Array.isArray(v) && v.every((m) => typeof m === "string"));
  expect(ok, `${path} ${JSON.stringify(res.body)}`).toBe(true);
  expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(ts|js):\d+|Error:|D1_|SQLITE/);
}

const JSON_ENDPOINTS: [string, string[], boolean][] = [
  ["/api/user/register/", ["email", "name", "password", "password2", "tc"], false],
  ["/api/user/login/", ["email", "password"], false],
  ["/api/user/changepassword/", ["password", "password2", "current_password"], true],
  ["/api/user/send-reset-password-email/", ["email"], false],
  ["/api/token/", ["email", "password"], false],
  ["/api/token/refresh/", ["refresh"], false],
  ["/api/token/verify/", ["token"], false],
  ["/api/token/blacklist/", ["refresh"], false],
  ["/api/user/logout-all/", ["keep_current"], true],
];

let seeded: Awaited<ReturnType<typeof registerUser>>[] = [];
let rowsBefore: unknown[] = [];
let mailbox: ReturnType<typeof installMailbox>;

beforeAll(async () => {
  mailbox = installMailbox();
  seeded = [await registerUser({ name: "Seed One" }), await registerUser({ name: "Seed Two" })];
  rowsBefore = (await env.DB.prepare("SELECT * FROM users ORDER BY id").all()).results;
});
afterAll(() => mailbox.restore());

describe("fuzzing every endpoint", () => {
  for (const [path, fields, auth] of JSON_ENDPOINTS) {
    it(`${path}: arbitrary JSON bodies`, async () => {
      await fc.assert(
        fc.asyncProperty(bodyFor(fields), async (body) => {
          const res = await api(path, { body, token: auth ? seeded[1]!.access : undefined });
          assertEnvelope(path, res);
          if (!isObject(body) && fits(body)) expect(res.status, JSON.stringify(body)?.slice(0, 200)).toBe(400);
        }),
        { numRuns: RUNS },
      );
    });

    it(`${path}: a JSON body that is not an object is a 400 in the envelope`, async () => {
      await fc.assert(
        fc.asyncProperty(nonObjectBody, async (body) => {
          const res = await api(path, { body, token: auth ? seeded[1]!.access : undefined });
          expect(res.status, JSON.stringify(body)?.slice(0, 200)).toBe(400);
          assertEnvelope(path, res);
          const payload = path.startsWith("/api/token") ? res.body : res.body.errors;
          expect(payload).toEqual({ non_field_errors: [expect.stringMatching(NOT_OBJECT)] });
        }),
        { numRuns: RUNS / 2 }, // a small space: null, lists and the scalar types
      );
    });

    it(`${path}: raw bytes under any content type`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ maxLength: 2000 }),
          fc.constantFrom("application/json", "text/plain", "application/json; charset=latin-1", "multipart/form-data", ""),
          async (bytes, contentType) => {
            assertEnvelope(path, await api(path, { raw: bytes, contentType: contentType || undefined, method: "POST" }));
          },
        ),
        { numRuns: RUNS },
      );
    });
  }

  it("reset confirm: arbitrary uid, token and body", async () => {
    await fc.assert(
      fc.asyncProperty(oddString, oddString, bodyFor(["password", "password2"]), async (uid, token, body) => {
        const path = `/api/user/reset-password/${segment(uid)}/${segment(token)}/`;
        assertEnvelope("/api/user/reset", await api(path, { body }));
      }),
      { numRuns: RUNS },
    );
  });

  it("authenticated GETs and DELETEs: arbitrary Authorization headers and ids", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 500 }), oddString, async (header, id) => {
        const headers = { authorization: header.replace(/[\r\n\0]/g, "") };
        assertEnvelope("/api/user/profile", await api("/api/user/profile/", { headers }));
        assertEnvelope("/api/user/profile", await api("/api/user/profile/", { token: header.replace(/[^\x21-\x7e]/g, "") || "x" }));
        assertEnvelope("/api/user/sessions", await api(`/api/user/sessions/${segment(id)}/`, { method: "DELETE", token: seeded[1]!.access }));
      }),
      { numRuns: RUNS },
    );
  });

  it("afterwards the seeded users are unchanged and still sign in", async () => {
    const rowsAfter = (await env.DB.prepare("SELECT * FROM users WHERE id IN (SELECT id FROM users ORDER BY id LIMIT ?) ORDER BY id").bind(rowsBefore.length).all()).results;
    // A fuzzed logout-all is a legitimate write: a credentials change (account/credentials.ts)
    // moves tokens_valid_after and credentials_version, and nothing else.
    const comparable = (rows: unknown[]) =>
      (rows as Record<string, unknown>[]).map(({ tokens_valid_after: _, credentials_version: __, ...rest }) => rest);
    expect(comparable(rowsAfter)).toEqual(comparable(rowsBefore));
    for (const u of seeded) {
      expect((await api("/api/user/login/", { body: { email: u.email, password: u.password } })).status).toBe(200);
    }
  });
});
