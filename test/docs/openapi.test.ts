import { describe, expect, it } from "vitest";
import app from "../../src/app";
import { api } from "../support/api";

describe("OpenAPI document", () => {
  it("is OpenAPI 3.1 with the bearer scheme and every route the app serves", async () => {
    const res = await api("/api/openapi.json");
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    const documented = new Set<string>();
    for (const [path, ops] of Object.entries<Record<string, unknown>>(doc.paths)) {
      for (const method of Object.keys(ops)) documented.add(`${method.toUpperCase()} ${path.replace(/\/$/, "").replace(/\{(\w+)\}/g, ":$1")}`);
    }
    const served = app.routes
      .filter((r) => r.method !== "ALL" && !["/api/openapi.json", "/api/docs"].includes(r.path))
      .map((r) => `${r.method} ${r.path.replace(/\/$/, "")}`);
    expect(served.length).toBeGreaterThan(10);
    for (const route of served) expect(documented, route).toContain(route);
  });

  it("names Django's canonical paths, with the trailing slash", async () => {
    const { body } = await api("/api/openapi.json");
    expect(Object.keys(body.paths)).toContain("/api/user/login/");
    expect(Object.keys(body.paths)).toContain("/api/user/reset-password/{uid}/{token}/");
  });
});

describe("docs UI", () => {
  it("serves Scalar's page pointing at the document, under a CSP with a nonce", async () => {
    const res = await api("/api/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(String(res.body)).toContain("/api/openapi.json");
    const csp = res.headers.get("content-security-policy")!;
    const nonce = csp.match(/'nonce-([0-9a-f]+)'/)![1]!;
    expect(String(res.body)).toContain(`nonce="${nonce}"`);
    expect(csp).toContain("frame-ancestors 'none'");
  });

  it("loads Scalar from one pinned URL with Subresource Integrity, and the CSP trusts that URL, not the CDN host", async () => {
    const res = await api("/api/docs");
    const html = String(res.body);
    const scripts = [...html.matchAll(/<script src="([^"]+)" integrity="(sha384-[A-Za-z0-9+/=]+)" crossorigin="anonymous">/g)];
    expect(scripts).toHaveLength(1);
    expect(scripts[0]![1]).toMatch(/^https:\/\/cdn\.jsdelivr\.net\/npm\/@scalar\/api-reference@\d+\.\d+\.\d+\/dist\/browser\/standalone\.js$/);
    const scriptSrc = res.headers.get("content-security-policy")!.split("; ").find((d) => d.startsWith("script-src "))!;
    expect(scriptSrc.split(" ").slice(1).filter((s) => !s.startsWith("'nonce-"))).toEqual([scripts[0]![1]]);
    // Every other script is inline under the nonce.
    expect(html.match(/<script(?![^>]*(src=|nonce=))/g)).toBeNull();
  });

  it("API_DOCS=false turns the page off and keeps the document", async () => {
    expect((await api("/api/docs", { vars: { API_DOCS: "false" } })).status).toBe(404);
    expect((await api("/api/openapi.json", { vars: { API_DOCS: "false" } })).status).toBe(200);
  });
});
