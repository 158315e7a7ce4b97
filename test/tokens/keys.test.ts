import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { api, registerUser } from "../support/api";

type Alg = "ES256" | "EdDSA" | "RS256";
const genOptions = { ES256: {}, EdDSA: { crv: "Ed25519" }, RS256: { modulusLength: 2048 } };

async function newKey(alg: Alg, kid: string) {
  const { privateKey } = await generateKeyPair(alg, { ...genOptions[alg], extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg };
}

const varsFor = (alg: string, keys: object[]) => ({ JWT_ALGORITHM: alg, JWT_PRIVATE_KEYS: JSON.stringify(keys) });
const headerOf = (t: string) => JSON.parse(atob(t.split(".")[0]!.replace(/-/g, "+").replace(/_/g, "/")));

async function obtain(email: string, password: string, vars: Record<string, string>) {
  const res = await api("/api/token/", { body: { email, password }, vars });
  expect(res.status).toBe(200);
  return res.body as { access: string; refresh: string };
}

describe("asymmetric signing", () => {
  for (const alg of ["ES256", "EdDSA", "RS256"] as const) {
    it(`${alg}: tokens carry the kid and verify with the published JWKS alone`, async () => {
      const vars = varsFor(alg, [await newKey(alg, `${alg}-1`)]);
      const u = await registerUser();
      const pair = await obtain(u.email, u.password, vars);
      expect(headerOf(pair.access)).toEqual({ alg, typ: "JWT", kid: `${alg}-1` });
      const jwks = await api("/.well-known/jwks.json", { vars });
      expect(jwks.status).toBe(200);
      expect(jwks.headers.get("cache-control")).toMatch(/max-age=\d+/);
      expect(JSON.stringify(jwks.body)).not.toMatch(/"(d|p|q|dp|dq|qi)"/);
      // What another service does: verify with the public keys only.
      const { payload } = await jwtVerify(pair.access, createLocalJWKSet(jwks.body), { algorithms: [alg] });
      expect(payload.token_type).toBe("access");
      expect((await api("/api/user/profile/", { token: pair.access, vars })).status).toBe(200);
      expect((await api("/api/token/refresh/", { body: { refresh: pair.refresh }, vars })).status).toBe(200);
    });
  }

  it("walks the key-rotation runbook", async () => {
    const a = await newKey("ES256", "key-a");
    const b = await newKey("ES256", "key-b");
    const u = await registerUser();
    // 1. One key.
    const oldPair = await obtain(u.email, u.password, varsFor("ES256", [a]));
    // 2. The new key is added second: published and trusted, not yet signing.
    const step2 = varsFor("ES256", [a, b]);
    expect((await api("/.well-known/jwks.json", { vars: step2 })).body.keys.map((k: { kid: string }) => k.kid)).toEqual(["key-a", "key-b"]);
    expect(headerOf((await obtain(u.email, u.password, step2)).access).kid).toBe("key-a");
    // 3. The new key moves first: it signs, the old one still verifies.
    const step3 = varsFor("ES256", [b, a]);
    const newPair = await obtain(u.email, u.password, step3);
    expect(headerOf(newPair.access).kid).toBe("key-b");
    expect((await api("/api/token/verify/", { body: { token: oldPair.access }, vars: step3 })).status).toBe(200);
    expect((await api("/api/user/profile/", { token: oldPair.access, vars: step3 })).status).toBe(200);
    // 4. The old key is removed: its tokens fail, the new ones live on.
    const step4 = varsFor("ES256", [b]);
    expect((await api("/api/token/verify/", { body: { token: oldPair.access }, vars: step4 })).status).toBe(401);
    expect((await api("/api/user/profile/", { token: oldPair.access, vars: step4 })).status).toBe(401);
    expect((await api("/api/token/refresh/", { body: { refresh: oldPair.refresh }, vars: step4 })).status).toBe(401);
    expect((await api("/api/user/profile/", { token: newPair.access, vars: step4 })).status).toBe(200);
  });

  it("refuses an HS256 token when ES256 is configured (no algorithm confusion)", async () => {
    const vars = varsFor("ES256", [await newKey("ES256", "only")]);
    const u = await registerUser();
    expect((await api("/api/token/verify/", { body: { token: u.access }, vars })).status).toBe(401);
  });

  it("answers 503 when the keys are missing or of the wrong type", async () => {
    for (const vars of [
      { JWT_ALGORITHM: "ES256" },
      varsFor("ES256", [await newKey("EdDSA", "wrong-type")]),
      { JWT_ALGORITHM: "ES256", JWT_PRIVATE_KEYS: "not json" },
    ]) {
      const res = await api("/api/token/verify/", { body: { token: "x" }, vars });
      expect(res.status).toBe(503);
    }
  });

  it("HS256 publishes an empty key set", async () => {
    expect((await api("/.well-known/jwks.json")).body).toEqual({ keys: [] });
  });
});
