import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { SignJWT } from "jose";
import app from "../../src/app";
import { checkAgainstDocument } from "./contract-check";

export const BASE = "https://auth.test";

export interface ApiOptions {
  method?: string;
  body?: unknown;
  /** A raw body sent as is (with `contentType`), for malformed-input tests. */
  raw?: BodyInit;
  contentType?: string;
  token?: string;
  headers?: Record<string, string>;
  /** Vars to override for this call: the worker then runs with its own config for them. */
  vars?: Record<string, string>;
  /** Bindings to replace for this call (fault injection: a wrapped D1 or KV). */
  bindings?: Record<string, unknown>;
  /** A whole env to run the worker with, the same object across calls, as an isolate keeps its bindings. */
  env?: object;
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** Calls the worker's own fetch handler, as a client would over HTTP. */
export async function api<T = any>(path: string, o: ApiOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...o.headers };
  let body: BodyInit | undefined = o.raw;
  if (o.body !== undefined) {
    body = JSON.stringify(o.body);
    headers["content-type"] ??= "application/json";
  }
  if (o.contentType) headers["content-type"] = o.contentType;
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  // Each call comes from its own client address unless a test pins one (rate-limit tests do).
  headers["cf-connecting-ip"] ??= randomIp();
  const req = new Request(BASE + path, { method: o.method ?? (body === undefined ? "GET" : "POST"), headers, body });
  let res: Response;
  if (o.env || o.vars || o.bindings) {
    const ctx = createExecutionContext();
    res = await app.fetch(req, o.env ?? (o.bindings ? { ...envWith(o.vars ?? {}), ...o.bindings } : envWith(o.vars!)), ctx);
    await waitOnExecutionContext(ctx);
  } else {
    res = await exports.default.fetch(req);
  }
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: the raw text is kept for the assertion to show */
  }
  // Every answer the suite receives must match the OpenAPI document.
  checkAgainstDocument(req.method, req.url, res.status, res.headers.get("content-type"), parsed);
  return { status: res.status, headers: res.headers, body: parsed as T };
}

let counter = 0;
/** A fresh address per call, so test files never collide on the shared database. */
export const uniqueEmail = (tag = "user") => `${tag}.${Date.now().toString(36)}.${(counter++).toString(36)}@example.com`;

export const GOOD_PASSWORD = "violet-Harbor-91";

export async function registerUser(overrides: Partial<{ email: string; name: string; password: string }> = {}) {
  const email = overrides.email ?? uniqueEmail();
  const password = overrides.password ?? GOOD_PASSWORD;
  const name = overrides.name ?? "Test User";
  const res = await api("/api/user/register/", { body: { email, name, password, password2: password, tc: true } });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { email, password, name, access: res.body.token.access as string, refresh: res.body.token.refresh as string };
}

/** The claims of a JWT, without checking it (the worker does that). */
export function claimsOf(token: string): Record<string, any> {
  const payload = token.split(".")[1]!;
  return JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/")));
}

const envs = new Map<string, object>();
/** The test env with some vars changed; one object per set of vars, as an isolate would have. */
export function envWith(vars: Record<string, string>) {
  const key = JSON.stringify(vars);
  let e = envs.get(key);
  if (!e) {
    e = { ...env, ...vars };
    envs.set(key, e);
  }
  return e;
}

/** Signs arbitrary claims with the test key, for tokens the worker would never mint (expired, from the future). */
export function signTestToken(claims: Record<string, unknown>, key: string = env.JWT_SIGNING_KEY): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(new TextEncoder().encode(key));
}

/** A documentation-range IPv6 address, different on every call. */
// Rate limits key IPv6 clients by their /64, so each made-up client gets a /64 of its own.
export const randomIp = () => `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:${(counter++).toString(16)}::1`;
