import { exports } from "cloudflare:workers";
import { hc } from "hono/client";
import { expect, it } from "vitest";
import type { AppType } from "../../src/index";
import { GOOD_PASSWORD, uniqueEmail } from "../support/api";

// What a TypeScript front end writes: a typed client from the worker's exported type.
const client = hc<AppType>("https://auth.test", { fetch: (input: RequestInfo | URL, init?: RequestInit) => exports.default.fetch(new Request(input, init)) });

it("a typed hono/client registers, reads the profile and refreshes", async () => {
  const email = uniqueEmail("typed");
  const reg = await client.api.user.register.$post({ json: { email, name: "Typed", password: GOOD_PASSWORD, password2: GOOD_PASSWORD, tc: true } });
  expect(reg.status).toBe(201);
  if (reg.status !== 201) return;
  const registered = await reg.json();
  expect(registered.msg).toBe("Registration Successful");
  // EMAIL_VERIFICATION=mandatory answers {msg, verification_required} instead: the type says so.
  if (!("token" in registered)) throw new Error("no token (EMAIL_VERIFICATION=mandatory?)");
  const { token } = registered;

  const profile = await client.api.user.profile.$get({}, { headers: { Authorization: `Bearer ${token.access}` } });
  expect(profile.status).toBe(200);
  if (profile.status !== 200) return;
  const me = await profile.json();
  expect(me.email).toBe(email); // typed: me.email is a string

  const refreshed = await client.api.token.refresh.$post({ json: { refresh: token.refresh } });
  expect(refreshed.status).toBe(200);
  if (refreshed.status === 200) expect(typeof (await refreshed.json()).access).toBe("string");

  const bad = await client.api.user.login.$post({ json: { email, password: "wrong-password-1" } });
  expect(bad.status).toBe(401);
});
