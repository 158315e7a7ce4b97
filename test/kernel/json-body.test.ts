import { Hono } from "hono";
import { validator } from "hono/validator";
import { describe, expect, it } from "vitest";
import { jsonBody } from "../../src/kernel/http/json-body";

/**
 * jsonBody() hands the object it parsed to route validators by replacing c.req.json and
 * filling Hono's private body cache. These pin the Hono behaviour that relies on, so an
 * upgrade that changes it fails here rather than in production.
 */
describe("jsonBody and Hono's body cache", () => {
  const app = new Hono();
  app.use("*", jsonBody());
  app.post("/echo", async (c) => {
    const first = await c.req.json();
    const second = await c.req.json();
    return c.json({ same: first === second, text: await c.req.text(), value: first, cached: typeof c.req.bodyCache === "object" });
  });

  it("Hono's json validator reads the body through c.req.json(), so it sees the object parsed once", async () => {
    const seen: unknown[] = [];
    const v = new Hono();
    v.use("*", jsonBody());
    v.use("*", async (c, next) => {
      seen.push(await c.req.json());
      await next();
    });
    v.post("/v", validator("json", (value) => value), (c) => c.json({ same: c.req.valid("json") === seen[0] }));
    const res = await v.request("/v", { method: "POST", body: '{"x":1}', headers: { "content-type": "application/json" } });
    expect(await res.json()).toEqual({ same: true });
  });

  it("json() answers the object parsed once, text() the body as sent, and the cache is where Hono keeps it", async () => {
    const body = '{"a": [1, 2], "b": "é"}';
    const res = await app.request("/echo", { method: "POST", body, headers: { "content-type": "application/json" } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ same: true, text: body, value: { a: [1, 2], b: "é" }, cached: true });
  });

  it("an empty body validates as an empty object", async () => {
    const res = await app.request("/echo", { method: "POST" });
    expect(await res.json()).toMatchObject({ value: {}, text: "{}" });
  });
});
