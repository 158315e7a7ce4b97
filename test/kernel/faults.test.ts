import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { api, registerUser } from "../support/api";
import { faultyD1, faultyKv } from "../support/faults";
import { installMailbox, linkFrom } from "../support/mailbox";

const UNAVAILABLE = { errors: { detail: "Service temporarily unavailable", code: "unavailable" } };
const fast = { STORAGE_TIMEOUT_MS: "200" };

let mailbox: ReturnType<typeof installMailbox>;
beforeEach(() => {
  mailbox = installMailbox();
});
afterEach(() => mailbox.restore());

describe("D1 failures", () => {
  it("a throwing D1 gives 503 with a request id and no detail, and the next request recovers", async () => {
    const u = await registerUser();
    const res = await api("/api/user/login/", { body: { email: u.email, password: u.password }, bindings: { DB: faultyD1("throw") } });
    expect(res.status).toBe(503);
    expect(res.body).toEqual(UNAVAILABLE);
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.stringify(res.body)).not.toContain("D1_ERROR");
    expect((await api("/api/user/login/", { body: { email: u.email, password: u.password } })).status).toBe(200);
  });

  it("a D1 that does not answer gives 503 after the storage timeout", async () => {
    const u = await registerUser();
    const started = Date.now();
    const res = await api("/api/user/profile/", { token: u.access, vars: fast, bindings: { DB: faultyD1("hang") } });
    expect(res.status).toBe(503);
    expect(res.body).toEqual(UNAVAILABLE);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("every endpoint answers 503, never 500, while D1 is down", async () => {
    const u = await registerUser();
    const DB = faultyD1("throw");
    const calls: [string, object][] = [
      ["/api/user/register/", { body: { email: "new@example.com", name: "N", password: "violet-Harbor-91", password2: "violet-Harbor-91", tc: true } }],
      ["/api/user/profile/", { token: u.access }],
      ["/api/user/changepassword/", { token: u.access, body: { current_password: u.password, password: "x-Valid-Pass-1", password2: "x-Valid-Pass-1" } }],
      ["/api/user/send-reset-password-email/", { body: { email: u.email } }],
      ["/api/token/", { body: { email: u.email, password: u.password } }],
      ["/api/token/refresh/", { body: { refresh: u.refresh } }],
      ["/api/token/blacklist/", { body: { refresh: u.refresh } }],
      ["/api/user/sessions/", { token: u.access }],
      ["/healthz", {}],
    ];
    for (const [path, opts] of calls) {
      const res = await api(path, { ...opts, bindings: { DB } });
      expect(res.status, path).toBe(503);
    }
    // Nothing was lost: the user still signs in and refreshes.
    expect((await api("/api/token/refresh/", { body: { refresh: u.refresh } })).status).toBe(200);
  });

  it("/healthz says 503 when D1 is down and nothing else", async () => {
    const res = await api("/healthz", { bindings: { DB: faultyD1("throw") } });
    expect(res.status).toBe(503);
    expect(res.body).toEqual(UNAVAILABLE);
  });
});

describe("KV failures", () => {
  it("storing a reset link fails: 503 and no mail, so no link exists without its nonce", async () => {
    const u = await registerUser();
    const res = await api("/api/user/send-reset-password-email/", { body: { email: u.email }, bindings: { RESET_KV: faultyKv(["put"]) } });
    expect(res.status).toBe(503);
    expect(res.body).toEqual(UNAVAILABLE);
    await new Promise((r) => setTimeout(r, 100));
    expect(mailbox.mails).toHaveLength(0);
  });

  it("reading a reset link fails: 503 and the password is unchanged; the link works once KV is back", async () => {
    const u = await registerUser();
    await api("/api/user/send-reset-password-email/", { body: { email: u.email } });
    const link = linkFrom(await mailbox.waitFor(u.email));
    const body = { password: "Recovered-Pass-88", password2: "Recovered-Pass-88" };
    const res = await api(`/api/user/reset-password/${link.uid}/${link.token}/`, { body, bindings: { RESET_KV: faultyKv(["get"]) } });
    expect(res.status).toBe(503);
    expect((await api("/api/user/login/", { body: { email: u.email, password: u.password } })).status).toBe(200);
    expect((await api(`/api/user/reset-password/${link.uid}/${link.token}/`, { body })).status).toBe(200);
  });

  it("a KV that hangs times out into 503", async () => {
    const u = await registerUser();
    const res = await api("/api/user/send-reset-password-email/", { body: { email: u.email }, vars: fast, bindings: { RESET_KV: faultyKv(["put"], "hang") } });
    expect(res.status).toBe(503);
  });
});

describe("mail provider failures", () => {
  it("a provider that times out is retried once, then logged; the answer does not change", async () => {
    mailbox.restore();
    const hanging = installMailbox((attempt) => new Promise<Response>((resolve) => setTimeout(() => resolve(Response.json({})), attempt === 1 ? 10_000 : 0)));
    try {
      const u = await registerUser();
      const res = await api("/api/user/send-reset-password-email/", { body: { email: u.email }, vars: { MAIL_TIMEOUT_MS: "150" } });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ msg: "Password Reset link send. Please check your Email" });
      // The second attempt went through.
      const mail = await hanging.waitFor(u.email, 3000);
      expect(hanging.attempts()).toBe(2);
      expect(mail.subject).toBe("Reset your password");
    } finally {
      hanging.restore();
    }
  });

  it("a 4xx from the provider is not retried", async () => {
    mailbox.restore();
    const refusing = installMailbox(() => new Response("bad request", { status: 422 }));
    try {
      const u = await registerUser();
      expect((await api("/api/user/send-reset-password-email/", { body: { email: u.email } })).status).toBe(200);
      await new Promise((r) => setTimeout(r, 500));
      expect(refusing.attempts()).toBe(1);
    } finally {
      refusing.restore();
    }
  });
});

describe("recovery", () => {
  it("caches nothing from a failing D1 or KV: when they answer again, the same env works", async () => {
    const u = await registerUser();
    let down = true;
    // One env object throughout, as an isolate keeps its bindings; its very first requests
    // fail, so whatever the worker keeps per env, config or binding starts out in a failure.
    const flaky = { ...env, DB: faultyD1("throw", () => down), RESET_KV: faultyKv(["get", "put", "delete"], "throw", () => down) };
    const login = () => api("/api/user/login/", { body: { email: u.email, password: u.password }, env: flaky });
    const profile = () => api("/api/user/profile/", { token: u.access, env: flaky });
    const refresh = () => api("/api/token/refresh/", { body: { refresh: u.refresh }, env: flaky });
    const resetMail = () => api("/api/user/send-reset-password-email/", { body: { email: u.email }, env: flaky });
    const health = () => api("/healthz", { env: flaky });
    for (const call of [health, login, profile, refresh, resetMail]) expect((await call()).status).toBe(503);
    expect(mailbox.mails).toHaveLength(0);

    down = false;
    expect((await health()).status).toBe(200);
    expect((await profile()).body).toMatchObject({ email: u.email });
    const fresh = await login();
    expect(fresh.status).toBe(200);
    expect((await api("/api/user/profile/", { token: fresh.body.token.access, env: flaky })).status).toBe(200);
    expect((await refresh()).status).toBe(200);
    expect((await resetMail()).status).toBe(200);
    const link = linkFrom(await mailbox.waitFor(u.email));
    const body = { password: "Recovered-Pass-88", password2: "Recovered-Pass-88" };
    expect((await api(`/api/user/reset-password/${link.uid}/${link.token}/`, { body, env: flaky })).status).toBe(200);
    expect((await api("/api/user/login/", { body: { email: u.email, password: body.password }, env: flaky })).status).toBe(200);
  });
});
