import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { issueAppCode, redeemAppCode } from "../../src/features/oidc/service";
import { sha256Hex } from "../../src/kernel/crypto";
import { db, frontEndPkce } from "./helpers";

const identity = { provider: "acme", sub: "alice-sub", email: "alice@example.com", emailVerified: true, name: "Alice" };

async function issued(purpose: "sign_in" | "link" = "sign_in") {
  const pkce = await frontEndPkce();
  const code = await issueAppCode(db, { purpose, challenge: pkce.challenge, userId: null, identity });
  return { code, ...pkce };
}

describe("app codes", () => {
  it("are 32 random bytes in base64url, stored only by their hash", async () => {
    const { code } = await issued();
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const row = await env.DB.prepare("select code_hash, expires_at - created_at as ttl from oidc_app_codes where code_hash = ?").bind(sha256Hex(code)).first<{ ttl: number }>();
    expect(row?.ttl).toBe(60_000);
    expect(await env.DB.prepare("select count(*) as n from oidc_app_codes where code_hash = ?").bind(code).first("n")).toBe(0);
  });

  it("redeem once with the right verifier, and give the callback's result", async () => {
    const { code, verifier } = await issued();
    const row = await redeemAppCode(db, code, verifier, "sign_in");
    expect(row).toMatchObject({ purpose: "sign_in", provider: "acme", subject: "alice-sub", email: "alice@example.com", emailVerified: true, name: "Alice" });
    expect(await redeemAppCode(db, code, verifier, "sign_in")).toBeNull();
  });

  it("are spent by a wrong verifier: the right one afterwards gets nothing", async () => {
    const { code, verifier } = await issued();
    const other = await frontEndPkce();
    expect(await redeemAppCode(db, code, other.verifier, "sign_in")).toBeNull();
    expect(await redeemAppCode(db, code, verifier, "sign_in")).toBeNull();
  });

  it("refuse the challenge itself as a verifier, and a malformed verifier", async () => {
    const a = await issued();
    expect(await redeemAppCode(db, a.code, a.challenge, "sign_in")).toBeNull();
    const b = await issued();
    expect(await redeemAppCode(db, b.code, "short", "sign_in")).toBeNull();
  });

  it("of a link attempt do not sign in (and are spent trying)", async () => {
    const { code, verifier } = await issued("link");
    expect(await redeemAppCode(db, code, verifier, "sign_in")).toBeNull();
    expect(await redeemAppCode(db, code, verifier, "link")).toBeNull();
  });

  it("expire after 60 s", async () => {
    const { code, verifier } = await issued();
    expect(await redeemAppCode(db, code, verifier, "sign_in", Date.now() + 60_001)).toBeNull();
  });

  it("of two concurrent redemptions, exactly one wins", async () => {
    const { code, verifier } = await issued();
    const results = await Promise.all([redeemAppCode(db, code, verifier, "sign_in"), redeemAppCode(db, code, verifier, "sign_in")]);
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it("that are unknown give nothing", async () => {
    const { verifier } = await frontEndPkce();
    expect(await redeemAppCode(db, "A".repeat(43), verifier, "sign_in")).toBeNull();
    expect(await redeemAppCode(db, "", verifier, "sign_in")).toBeNull();
  });
});

describe("the daily cleanup", () => {
  it("deletes expired attempts and app codes, and keeps live ones", async () => {
    const { deleteExpiredOidcCeremonies } = await import("../../src/features/oidc/cleanup");
    const live = await issued();
    const past = Date.now() - 120_000;
    const pkce = await frontEndPkce();
    const dead = await issueAppCode(db, { purpose: "sign_in", challenge: pkce.challenge, userId: null, identity }, past);
    await deleteExpiredOidcCeremonies(env as never);
    const count = (code: string) => env.DB.prepare("select count(*) as n from oidc_app_codes where code_hash = ?").bind(sha256Hex(code)).first("n");
    expect(await count(dead)).toBe(0);
    expect(await count(live.code)).toBe(1);
  });
});
