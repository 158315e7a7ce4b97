import { describe, expect, it } from "vitest";
import { EXAMPLE_SIGNING_KEY } from "../../src/kernel/config";
import devVarsExample from "../../.dev.vars.example?raw";
import { api } from "../support/api";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("every answer and every request", () => {
  it("a CORS preflight, a 404 and a 405 carry an X-Request-Id", async () => {
    const preflight = await api("/api/user/login/", {
      method: "OPTIONS",
      headers: { origin: "https://example.com", "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(204);
    for (const res of [preflight, await api("/nowhere"), await api("/api/user/login/", { method: "GET" })]) {
      expect(res.headers.get("x-request-id")).toMatch(UUID);
    }
  });

  it("a non-numeric Content-Length counts as over the limit: 413", async () => {
    for (const length of ["abc", "1e3", "-5", "12 34"]) {
      const res = await api("/api/user/login/", { raw: "{}", contentType: "application/json", headers: { "content-length": length } });
      expect(res.status, length).toBe(413);
    }
  });

  it("the signing key of .dev.vars.example is refused: every route answers 503", async () => {
    expect(devVarsExample).toContain(`JWT_SIGNING_KEY=${EXAMPLE_SIGNING_KEY}\n`);
    const res = await api("/api/user/profile/", { vars: { JWT_SIGNING_KEY: EXAMPLE_SIGNING_KEY } });
    expect(res.status).toBe(503);
  });
});
