import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, claimsOf, registerUser } from "../support/api";
import { waitForEvent } from "../support/audit";
import { installMailbox } from "../support/mailbox";
import { acme, eachTestWithAcme, callback, dance, exchange, personAt, providerLogin, type Acme } from "./http-helpers";

let p: Acme;
let mailbox: ReturnType<typeof installMailbox>;
eachTestWithAcme((provider, box) => ([p, mailbox] = [provider, box]));

const INVALID_CODE = { errors: { non_field_errors: ["Code is not Valid or Expired"] } };
const identityCount = (sub: string) => env.DB.prepare("SELECT count(*) AS n FROM identities WHERE subject = ?").bind(sub).first<number>("n");
const userCount = (email: string) => env.DB.prepare("SELECT count(*) AS n FROM users WHERE lower(email) = lower(?)").bind(email).first<number>("n");

describe("one-time values", () => {
  it("refuses a replayed state with the 400 page and no redirect", async () => {
    const landing = await dance(p, personAt("replay"), { tc: true });
    expect(landing.code).toBeTruthy();
    const again = await callback(p, landing.params);
    expect(again.status).toBe(400);
    expect(again.headers.get("location")).toBeNull();
    expect(again.body).toContain("This sign-in attempt is not valid or has expired.");
  });

  it("spends the app code on its first use: a second exchange is refused", async () => {
    const landing = await dance(p, personAt("reuse"), { tc: true });
    expect((await exchange(p, landing.code, landing.verifier)).status).toBe(200);
    const again = await exchange(p, landing.code, landing.verifier);
    expect(again.status).toBe(400);
    expect(again.body).toEqual(INVALID_CODE);
  });

  it("refuses a wrong verifier, and the code is spent by it", async () => {
    const landing = await dance(p, personAt("verifier"), { tc: true });
    const wrong = await exchange(p, landing.code, "x".repeat(43));
    expect(wrong.status).toBe(400);
    expect(wrong.body).toEqual(INVALID_CODE);
    expect((await exchange(p, landing.code, landing.verifier)).body).toEqual(INVALID_CODE);
  });

  it("refuses an unknown code", async () => {
    expect((await exchange(p, "A".repeat(43), "v".repeat(43))).body).toEqual(INVALID_CODE);
  });
});

describe("id_token and mix-ups", () => {
  const cases: [string, (a: Acme) => void, string][] = [
    ["a nonce of another attempt", (a) => (a.fake.misbehave.claims = { nonce: "someone-elses-nonce" }), "invalid_id_token"],
    ["an audience of another client", (a) => (a.fake.misbehave.claims = { aud: "other-client" }), "invalid_id_token"],
    ["an id_token from another issuer", (a) => (a.fake.misbehave.claims = { iss: "https://evil.test" }), "invalid_id_token"],
    ["an expired id_token", (a) => (a.fake.misbehave.claims = { exp: Math.floor(Date.now() / 1000) - 600 }), "invalid_id_token"],
    ["an HMAC-signed id_token", (a) => (a.fake.misbehave.alg = "HS256"), "invalid_id_token"],
    ["an unsigned id_token", (a) => (a.fake.misbehave.alg = "none"), "invalid_id_token"],
    ["an authorization response naming another issuer (RFC 9207)", (a) => (a.fake.misbehave.issParam = "https://evil.test"), "provider_error"],
  ];
  for (const [what, misbehave, error] of cases) {
    it(`answers ?error=${error} for ${what}, and nobody is signed in`, async () => {
      const who = personAt("mix");
      misbehave(p);
      const landing = await dance(p, who, { tc: true });
      expect(landing.status).toBe(303);
      expect(landing.error).toBe(error);
      expect(landing.code).toBeNull();
      expect(await userCount(who.email!)).toBe(0);
    });
  }
});

describe("accounts are never taken over by e-mail", () => {
  it("answers link_required when the provider's e-mail belongs to an account (any letter case), and links nothing", async () => {
    const victim = await registerUser();
    const attacker = { ...personAt("takeover"), email: victim.email.toUpperCase() };
    const landing = await dance(p, attacker, { tc: true });
    expect(landing.error).toBe("link_required");
    expect(await identityCount(attacker.sub)).toBe(0);
    expect(await userCount(victim.email)).toBe(1);
    // The victim's audit log shows a provider tried the address.
    const [failed] = await waitForEvent(claimsOf(victim.access).user_id as number, "login.failed");
    expect(JSON.parse(failed!.detail)).toEqual({ method: "oidc", provider: "acme", reason: "link_required" });
  });

  for (const verified of [false, "false", undefined]) {
    it(`answers email_not_verified for email_verified ${JSON.stringify(verified)}, and creates nothing`, async () => {
      const who = { ...personAt("unverified"), email_verified: verified };
      if (verified === undefined) delete who.email_verified;
      const landing = await dance(p, who, { tc: true });
      expect(landing.error).toBe("email_not_verified");
      expect(await userCount(who.email!)).toBe(0);
    });
  }

  it("never links an unverified address to an existing account either", async () => {
    const victim = await registerUser();
    const landing = await dance(p, { ...personAt("unv"), email: victim.email, email_verified: false }, { tc: true });
    expect(landing.error).toBe("email_not_verified");
  });

  it("TRUST_EMAIL treats a missing email_verified as true, and still never links automatically", async () => {
    const trusting = await acme({ vars: { OIDC_ACME_TRUST_EMAIL: "true" } });
    try {
      const who = personAt("trust");
      delete who.email_verified;
      const fresh = await dance(trusting, who, { tc: true });
      expect(fresh.code).toBeTruthy();
      const victim = await registerUser();
      const other = { ...personAt("trust2"), email: victim.email };
      delete other.email_verified;
      expect((await dance(trusting, other, { tc: true })).error).toBe("link_required");
    } finally {
      trusting.restore();
    }
  });
});

describe("linking cannot be forced on someone else", () => {
  it("refuses a link code redeemed by another user's session (linking CSRF), and the code is spent", async () => {
    const alice = await registerUser();
    const mallory = await registerUser();
    const who = personAt("csrf");
    const landing = await dance(p, who, { link: { token: mallory.access } });
    expect(landing.code).toBeTruthy();
    // Mallory's link code lands in Alice's browser: Alice's session must not complete it.
    const forced = await p.call("/api/user/identities/", { token: alice.access, body: { code: landing.code, code_verifier: landing.verifier } });
    expect(forced.status).toBe(400);
    expect(forced.body).toEqual(INVALID_CODE);
    expect(await identityCount(who.sub)).toBe(0);
    const late = await p.call("/api/user/identities/", { token: mallory.access, body: { code: landing.code, code_verifier: landing.verifier } });
    expect(late.body).toEqual(INVALID_CODE);
  });

  it("refuses a link code at the token route and a sign-in code at the link route", async () => {
    const u = await registerUser();
    const link = await dance(p, personAt("cross"), { link: { token: u.access } });
    expect((await exchange(p, link.code, link.verifier)).body).toEqual(INVALID_CODE);
    const signIn = await dance(p, personAt("cross2"), { tc: true });
    const res = await p.call("/api/user/identities/", { token: u.access, body: { code: signIn.code, code_verifier: signIn.verifier } });
    expect(res.body).toEqual(INVALID_CODE);
  });

  it("answers identity_in_use when the identity is linked to another user", async () => {
    const who = personAt("inuse");
    await providerLogin(p, who);
    const other = await registerUser();
    const landing = await dance(p, who, { link: { token: other.access } });
    expect(landing.error).toBe("identity_in_use");
  });

  it("kills an outstanding link when the credentials change (logout-all)", async () => {
    const u = await registerUser();
    const who = personAt("creds");
    const landing = await dance(p, who, { link: { token: u.access } });
    expect(landing.code).toBeTruthy();
    await env.DB.prepare("UPDATE users SET credentials_version = credentials_version + 1 WHERE lower(email) = lower(?)").bind(u.email).run();
    const res = await p.call("/api/user/identities/", { token: u.access, body: { code: landing.code, code_verifier: landing.verifier } });
    expect(res.body).toEqual(INVALID_CODE);
    expect(await identityCount(who.sub)).toBe(0);
  });
});

describe("tokens never in a URL", () => {
  it("puts only the one-time code in the front end's URL, and the tokens only in the exchange's body", async () => {
    const landing = await dance(p, personAt("url"), { tc: true });
    const url = new URL(landing.location!);
    expect([...url.searchParams.keys()]).toEqual(["code"]);
    expect(url.hash).toBe("");
    const res = await exchange(p, landing.code, landing.verifier);
    expect(landing.location).not.toContain(res.body.token.access);
    expect(landing.location).not.toContain(res.body.token.refresh);
    expect(landing.location).not.toMatch(/eyJ/);
    // Nothing the provider saw carries them either.
    expect(p.fake.requests.some((r) => r.url.includes("eyJ") || r.body.includes(res.body.token.access))).toBe(false);
    expect(claimsOf(res.body.token.access).amr).toEqual(["fed"]);
    expect((await api("/api/user/profile/", { token: res.body.token.access })).status).toBe(200);
  });
});
