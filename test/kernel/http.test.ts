import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, registerUser } from "../support/api";

describe("paths and methods", () => {
  it("serves every path with and without the trailing slash", async () => {
    const u = await registerUser();
    for (const path of ["/api/user/profile/", "/api/user/profile"]) {
      expect((await api(path, { token: u.access })).status).toBe(200);
    }
    for (const path of ["/api/token/verify/", "/api/token/verify"]) {
      expect((await api(path, { body: { token: u.access } })).status).toBe(200);
    }
  });

  it("answers 405 in the envelope for a method a path does not serve", async () => {
    const res = await api("/api/user/login/", { method: "GET" });
    expect(res.status).toBe(405);
    expect(res.body).toEqual({ errors: { detail: 'Method "GET" not allowed.', code: "method_not_allowed" } });
    expect(res.headers.get("allow")).toContain("POST");
    const token = await api("/api/token/refresh", { method: "DELETE" });
    expect(token.status).toBe(405);
    expect(token.body).toEqual({ detail: 'Method "DELETE" not allowed.', code: "method_not_allowed" });
    const profile = await api("/api/user/profile/", { method: "POST", body: {} });
    expect(profile.status).toBe(405);
  });

  it("answers 404 in the envelope for an unknown path", async () => {
    const res = await api("/api/user/nothing-here/");
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ errors: { detail: "Not found.", code: "not_found" } });
  });
});

describe("bodies", () => {
  it("answers 415 for a body not sent as JSON", async () => {
    const res = await api("/api/user/login/", { raw: "email=a@b.co&password=x", contentType: "application/x-www-form-urlencoded" });
    expect(res.status).toBe(415);
    expect(res.body).toEqual({ errors: { detail: 'Unsupported media type "application/x-www-form-urlencoded" in request.', code: "unsupported_media_type" } });
  });

  it("answers 400 for invalid JSON and for JSON that is not an object", async () => {
    const broken = await api("/api/user/login/", { raw: '{"email": ', contentType: "application/json" });
    expect(broken.status).toBe(400);
    expect(broken.body.errors.code).toBe("parse_error");
    for (const [raw, got] of [["[1,2]", "list"], ['"text"', "str"], ["42", "int"], ["null", "NoneType"], ["true", "bool"]]) {
      const res = await api("/api/user/register/", { raw, contentType: "application/json" });
      expect(res.status, raw).toBe(400);
      expect(res.body).toEqual({ errors: { non_field_errors: [`Invalid data. Expected a dictionary, but got ${got}.`] } });
    }
    const token = await api("/api/token/", { raw: "[]", contentType: "application/json" });
    expect(token.body).toEqual({ non_field_errors: ["Invalid data. Expected a dictionary, but got list."] });
  });

  it("answers 400 for bytes that are not UTF-8", async () => {
    const res = await api("/api/user/login/", { raw: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), contentType: "application/json" });
    expect(res.status).toBe(400);
    expect(res.body.errors.code).toBe("parse_error");
  });

  it("treats an empty body as an empty object", async () => {
    const res = await api("/api/user/login/", { method: "POST" });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ errors: { email: ["This field is required."], password: ["This field is required."] } });
  });

  it("answers 413 for bodies over 64 KiB, declared or streamed", async () => {
    const big = JSON.stringify({ email: "a@b.co", password: "x".repeat(70 * 1024) });
    const declared = await api("/api/user/login/", { raw: big, contentType: "application/json" });
    expect(declared.status).toBe(413);
    expect(declared.body.errors.code).toBe("payload_too_large");
    const chunk = new TextEncoder().encode("x".repeat(16 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 64) controller.enqueue(chunk); // 1 MiB if read whole
        else controller.close();
      },
    });
    const streamed = await api("/api/user/login/", { raw: stream, contentType: "application/json" });
    expect(streamed.status).toBe(413);
    expect(sent).toBeLessThan(10);
  });

  it("ignores unknown fields", async () => {
    const u = await registerUser();
    const res = await api("/api/user/login/", { body: { email: u.email, password: u.password, is_admin: true, __proto__: { x: 1 }, extra: [1] } });
    expect(res.status).toBe(200);
  });
});

describe("CORS", () => {
  it("echoes a listed origin with Vary: Origin", async () => {
    const res = await api("/api/token/verify/", { body: { token: "x" }, headers: { origin: "https://sub.example.com" } });
    expect(res.headers.get("access-control-allow-origin")).toBe("https://sub.example.com");
    expect(res.headers.get("vary")).toContain("Origin");
  });

  it("gives an unlisted origin no CORS header", async () => {
    for (const origin of ["https://evil.com", "https://example.com.evil.com", "http://example.com", "null"]) {
      const res = await api("/api/token/verify/", { body: { token: "x" }, headers: { origin } });
      expect(res.headers.get("access-control-allow-origin"), origin).toBeNull();
      const pre = await api("/api/user/login/", { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST" } });
      expect([...pre.headers.keys()].filter((k) => k.startsWith("access-control-")), origin).toEqual([]);
    }
  });

  it("answers a preflight with 204, the methods and the headers", async () => {
    const res = await api("/api/user/profile/", {
      method: "OPTIONS",
      headers: { origin: "http://localhost:8080", "access-control-request-method": "GET", "access-control-request-headers": "authorization" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("http://localhost:8080");
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
    const allowed = res.headers.get("access-control-allow-headers")!.toLowerCase();
    expect(allowed).toContain("authorization");
    expect(allowed).toContain("content-type");
    expect(res.headers.get("vary")).toContain("Origin");
  });
});

describe("security headers", () => {
  it("are on every answer, success or error", async () => {
    const u = await registerUser();
    for (const res of [
      await api("/api/user/profile/", { token: u.access }),
      await api("/api/user/login/", { body: {} }),
      await api("/nowhere"),
      await api("/api/token/", { body: { email: u.email, password: u.password } }),
    ]) {
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("referrer-policy")).toBe("no-referrer");
      expect(res.headers.get("strict-transport-security")).toMatch(/max-age=\d+/);
      expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    }
  });

  it("are on a preflight and on a broken configuration's 503 too; a broken configuration opens no CORS", async () => {
    const origin = "http://localhost:8080";
    const broken = await api("/api/user/login/", { body: { email: "a@b.co", password: "x" }, headers: { origin }, vars: { JWT_SIGNING_KEY: "" } });
    expect(broken.status).toBe(503);
    expect(broken.headers.get("content-type")).toBe("application/json; charset=utf-8");
    const pre = await api("/api/user/login/", { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST" } });
    expect(pre.status).toBe(204);
    for (const res of [broken, pre]) {
      expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("strict-transport-security")).toMatch(/max-age=\d+/);
      expect(res.headers.get("vary")).toBe("Origin");
    }
    expect(pre.headers.get("access-control-allow-origin")).toBe(origin);
    // Its list of origins is part of the configuration that failed: nothing in it is trusted.
    expect(broken.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("configuration", () => {
  it("answers 503 on every endpoint when the signing key is missing or short", async () => {
    for (const key of ["", "too-short-key"]) {
      const res = await api("/api/user/login/", { body: { email: "a@b.co", password: "x" }, vars: { JWT_SIGNING_KEY: key } });
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ errors: { detail: "Service temporarily unavailable", code: "unavailable" } });
      const token = await api("/api/token/verify/", { body: { token: "x" }, vars: { JWT_SIGNING_KEY: key } });
      expect(token.status).toBe(503);
    }
  });

  it("never loses a user to bad input", async () => {
    const u = await registerUser();
    const before = await env.DB.prepare("SELECT * FROM users WHERE lower(email) = lower(?)").bind(u.email).first();
    await api("/api/user/register/", { body: { email: u.email, name: "x", password: "a", password2: "b", tc: true } });
    await api("/api/user/changepassword/", { token: u.access, body: { current_password: "wrong", password: "p", password2: "p" } });
    await api("/api/user/reset-password/MQ/x/", { body: { password: "Valid-Enough-123", password2: "Valid-Enough-123" } });
    const after = await env.DB.prepare("SELECT * FROM users WHERE lower(email) = lower(?)").bind(u.email).first();
    expect(after).toEqual(before);
  });
});

describe("health", () => {
  it("/healthz answers 200 when D1 answers, /livez always", async () => {
    const h = await api("/healthz");
    expect(h.status).toBe(200);
    expect(h.body).toEqual({ status: "ok" });
    expect((await api("/livez")).body).toEqual({ status: "ok" });
  });
});
