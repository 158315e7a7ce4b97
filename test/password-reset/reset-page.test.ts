import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api, registerUser } from "../support/api";
import { installMailbox, linkFrom } from "../support/mailbox";

let mailbox: ReturnType<typeof installMailbox>;
beforeEach(() => {
  mailbox = installMailbox();
});
afterEach(() => mailbox.restore());

// Unset PASSWORD_RESET_URL (wrangler.toml sets one): the mail then links to the worker's own page.
const OWN_PAGE = { PASSWORD_RESET_URL: "" };
const NEW_PASSWORD = "Quiet-Lantern-73";
const FORM = "application/x-www-form-urlencoded";
const DEAD = "This link has expired or was already used";
const SUCCESS = "Your password has been changed. You can now sign in with your new password.";

async function pageLink(email: string) {
  const before = mailbox.countFor(email);
  const res = await api("/api/user/send-reset-password-email/", { body: { email }, vars: OWN_PAGE });
  expect(res.status).toBe(200);
  const link = linkFrom(await mailbox.waitFor(email, 5000, before));
  return { ...link, path: new URL(link.url).pathname };
}

const open = (path: string) => api<string>(path);
const submit = (path: string, fields: Record<string, string>) => api<string>(path, { raw: new URLSearchParams(fields).toString(), contentType: FORM });
const login = (email: string, password: string) => api("/api/user/login/", { body: { email, password } });

interface Element {
  tag: string;
  attrs: Record<string, string>;
}

/** The page's elements and their attributes, read by workerd's own HTML parser. */
async function elements(html: string): Promise<Element[]> {
  const found: Element[] = [];
  await new HTMLRewriter()
    .on("*", {
      element(e) {
        found.push({ tag: e.tagName, attrs: Object.fromEntries([...e.attributes]) });
      },
    })
    .transform(new Response(html))
    .text();
  return found;
}

const byId = (els: Element[], id: string) => els.find((e) => e.attrs.id === id);
const input = (els: Element[], name: string) => {
  const el = els.find((e) => e.tag === "input" && e.attrs.name === name);
  if (!el) throw new Error(`no input named ${name}`);
  return el;
};
/** The text inside the element with this id (flat: enough for these pages). */
function textOf(html: string, id: string): string {
  const m = html.match(new RegExp(`<(\\w+)[^>]*\\bid="${id}"[^>]*>([\\s\\S]*?)</\\1>`));
  if (!m) return "";
  const entities: Record<string, string> = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'" };
  return m[2]!.replace(/<[^>]+>/g, "").replace(/&(amp|lt|gt|quot|#39);/g, (e) => entities[e]!);
}

describe("reset page (GET)", () => {
  it("the mail links to the worker's page when PASSWORD_RESET_URL is unset", async () => {
    const u = await registerUser();
    const link = await pageLink(u.email);
    expect(link.url).toMatch(/^https:\/\/auth\.test\/reset-password\/[A-Za-z0-9_-]+\/[A-Za-z0-9_-]{43}\/$/);
  });

  it("a live link shows the form: labelled fields, rules, new-password autocomplete, no script", async () => {
    const u = await registerUser();
    const { path } = await pageLink(u.email);
    for (const p of [path, path.replace(/\/$/, "")]) {
      const res = await open(p);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      const html = res.body;
      expect(html.startsWith("<!doctype html>")).toBe(true);
      expect(html).not.toMatch(/<script/i);
      const els = await elements(html);
      expect(els.find((e) => e.tag === "html")?.attrs.lang).toBe("en");
      expect(els.some((e) => e.tag === "meta" && e.attrs.name === "viewport")).toBe(true);
      expect(html).toContain("<title>Choose a new password</title>");
      expect(html).toContain(u.email);

      const form = els.find((e) => e.tag === "form")!;
      expect(form.attrs.method).toBe("post");
      expect(form.attrs.action).toBeUndefined(); // posts back to this very URL
      for (const name of ["password", "password2"]) {
        const field = input(els, name);
        expect(field.attrs.type).toBe("password");
        expect(field.attrs.autocomplete).toBe("new-password");
        expect(field.attrs.id).toBe(name);
        expect(field.attrs["aria-invalid"]).toBeUndefined();
        expect(field.attrs.autofocus).toBeUndefined();
        expect(els.filter((e) => e.tag === "label" && e.attrs.for === name)).toHaveLength(1);
        for (const ref of field.attrs["aria-describedby"]!.split(" ")) expect(byId(els, ref)).toBeDefined();
      }
      expect(html).toContain('<label for="password">New password</label>');
      expect(html).toContain('<label for="password2">Confirm new password</label>');
      expect(input(els, "password").attrs["aria-describedby"]).toBe("password-rules");
      const rules = html.slice(html.indexOf('id="password-rules"'));
      for (const rule of [
        "Your password must contain at least 8 characters.",
        "Your password can’t be a commonly used password.",
        "Your password can’t be entirely numeric.",
        "Your password can’t be too similar to your other personal information.",
        "at most 4096 characters",
      ]) {
        expect(rules).toContain(rule);
      }
      expect(els.some((e) => e.attrs.role === "alert")).toBe(false);
    }
  });

  it("a tampered, unknown or malformed link shows the dead-link state at once, 400", async () => {
    const u = await registerUser();
    const { uid, token } = await pageLink(u.email);
    const flipped = token.slice(0, -1) + (token.endsWith("A") ? "B" : "A");
    for (const p of [`/reset-password/${uid}/${flipped}/`, `/reset-password/MTIzNDU2Nzg/${token}/`, "/reset-password/x/y/", `/reset-password/${uid}/${token}x/`]) {
      const res = await open(p);
      expect(res.status, p).toBe(400);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(res.body).toContain(`<h1 id="page-title">${DEAD}</h1>`);
      expect(res.body).toContain("request a new reset link");
      expect(res.body).not.toContain("<form");
    }
  });

  it("a link superseded by a newer one is dead; the newer one is live", async () => {
    const u = await registerUser();
    const first = await pageLink(u.email);
    mailbox.mails.length = 0;
    const second = await pageLink(u.email);
    expect((await open(first.path)).status).toBe(400);
    expect((await open(first.path)).body).toContain(DEAD);
    expect((await open(second.path)).status).toBe(200);
  });

  it("sends its own strict headers: CSP with the style's hash, no referrer, no caching", async () => {
    const u = await registerUser();
    const { path } = await pageLink(u.email);
    for (const res of [await open(path), await open("/reset-password/x/y/"), await submit(path, { password: "a", password2: "b" })]) {
      const csp = res.headers.get("content-security-policy")!;
      const style = res.body.match(/<style>([\s\S]*?)<\/style>/)![1]!;
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(style)));
      const hash = btoa(String.fromCharCode(...digest));
      expect(csp).toBe(`default-src 'none'; style-src 'sha256-${hash}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`);
      expect(res.headers.get("referrer-policy")).toBe("no-referrer");
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      // No inline style attributes: the hash allows only the <style> element.
      expect(res.body).not.toMatch(/\sstyle="/);
    }
  });
});

describe("reset page (POST)", () => {
  it("a weak password: its errors beside the field, aria-invalid, described, focused; nothing changed", async () => {
    const u = await registerUser({ name: "Grace" });
    const { path } = await pageLink(u.email);
    const res = await submit(path, { password: "password", password2: "password" });
    expect(res.status).toBe(400);
    const els = await elements(res.body);
    const field = input(els, "password");
    expect(field.attrs["aria-invalid"]).toBe("true");
    expect(field.attrs["aria-describedby"]!.split(" ")).toEqual(["password-rules", "password-error"]);
    expect(field.attrs.autofocus).toBe("");
    expect(field.attrs.value).toBeUndefined(); // the password is never written back
    expect(textOf(res.body, "password-error")).toContain("This password is too common.");
    expect(input(els, "password2").attrs["aria-invalid"]).toBeUndefined();
    const summary = els.find((e) => e.attrs.role === "alert");
    expect(summary).toBeDefined();
    expect(res.body).toContain('<a href="#password">This password is too common.</a>');
    expect(res.body).toContain("<title>Error: Choose a new password</title>");
    expect((await login(u.email, u.password)).status).toBe(200);
    // The link is still live.
    expect((await open(path)).status).toBe(200);
  });

  it("every broken rule is listed, in Django's order", async () => {
    const u = await registerUser();
    const { path } = await pageLink(u.email);
    const res = await submit(path, { password: "1234", password2: "1234" });
    expect(res.status).toBe(400);
    const text = textOf(res.body, "password-error");
    expect(text).toContain("This password is too short. It must contain at least 8 characters.");
    expect(text).toContain("This password is too common.");
    expect(text).toContain("This password is entirely numeric.");
  });

  it("a mismatch: the message beside the confirmation, which gets the focus", async () => {
    const u = await registerUser();
    const { path } = await pageLink(u.email);
    const res = await submit(path, { password: NEW_PASSWORD, password2: NEW_PASSWORD + "x" });
    expect(res.status).toBe(400);
    const els = await elements(res.body);
    const confirm = input(els, "password2");
    expect(confirm.attrs["aria-invalid"]).toBe("true");
    expect(confirm.attrs["aria-describedby"]!.split(" ")).toContain("password2-error");
    expect(confirm.attrs.autofocus).toBe("");
    expect(textOf(res.body, "password2-error")).toContain("Password and Confirm Password doesn't match");
    expect(input(els, "password").attrs["aria-invalid"]).toBeUndefined();
    expect((await login(u.email, NEW_PASSWORD)).status).toBe(401);
  });

  it("a mismatch with a weak password reports both at once", async () => {
    const u = await registerUser();
    const { path } = await pageLink(u.email);
    const res = await submit(path, { password: "password", password2: "passwort" });
    expect(res.status).toBe(400);
    expect(textOf(res.body, "password-error")).toContain("This password is too common.");
    expect(textOf(res.body, "password2-error")).toContain("Password and Confirm Password doesn't match");
    const els = await elements(res.body);
    expect(input(els, "password").attrs.autofocus).toBe("");
    expect(input(els, "password2").attrs.autofocus).toBeUndefined();
  });

  it("missing, blank and over-long fields get field errors", async () => {
    const u = await registerUser();
    const { path } = await pageLink(u.email);
    const empty = await api<string>(path, { method: "POST" });
    expect(empty.status).toBe(400);
    expect(textOf(empty.body, "password-error")).toContain("Enter a new password.");
    expect(textOf(empty.body, "password2-error")).toContain("Enter the new password again.");

    const blank = await submit(path, { password: "   ", password2: "" });
    expect(blank.status).toBe(400);
    expect(textOf(blank.body, "password-error")).toContain("Enter a new password.");

    const long = "Ab1-".repeat(1025); // 4100 characters
    const tooLong = await submit(path, { password: long, password2: long });
    expect(tooLong.status).toBe(400);
    expect(textOf(tooLong.body, "password-error")).toContain("Ensure this field has no more than 4096 characters.");
    expect((await open(path)).status).toBe(200);
  });

  it("success: the success state, sign-in with the new password, and the link is then used", async () => {
    const u = await registerUser();
    const { path } = await pageLink(u.email);
    // Surrounding spaces are trimmed, as the API's fields do.
    const res = await submit(path.replace(/\/$/, ""), { password: `  ${NEW_PASSWORD} `, password2: NEW_PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body).toContain(SUCCESS);
    expect(res.body).toContain("<title>Password changed</title>");
    expect(res.body).not.toContain("<form");
    expect((await login(u.email, NEW_PASSWORD)).status).toBe(200);
    expect((await login(u.email, u.password)).status).toBe(401);
    // Every session of the user was revoked.
    expect((await api("/api/user/profile/", { token: u.access })).status).toBe(401);

    const again = await open(path);
    expect(again.status).toBe(400);
    expect(again.body).toContain(DEAD);
    const replay = await submit(path, { password: "Another-Secret-88", password2: "Another-Secret-88" });
    expect(replay.status).toBe(400);
    expect(replay.body).toContain(DEAD);
    expect((await login(u.email, NEW_PASSWORD)).status).toBe(200);
  });

  it("a dead link answers the dead-link state, whatever the form says", async () => {
    const u = await registerUser();
    const { uid } = await pageLink(u.email);
    const dead = `/reset-password/${uid}/${"A".repeat(43)}/`;
    for (const fields of [{ password: NEW_PASSWORD, password2: NEW_PASSWORD }, { password: "password", password2: "nope" }, {}] as Record<string, string>[]) {
      const res = await submit(dead, fields);
      expect(res.status).toBe(400);
      expect(res.body).toContain(DEAD);
    }
  });

  it("a body over 64 KiB gets a 413 page; a non-form body a 415 page; nothing changes", async () => {
    const u = await registerUser();
    const { path } = await pageLink(u.email);
    const big = await api<string>(path, { raw: "password=" + "a".repeat(70_000), contentType: FORM });
    expect(big.status).toBe(413);
    expect(big.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(big.body).toContain("The form was too large");

    const json = await api<string>(path, { body: { password: NEW_PASSWORD, password2: NEW_PASSWORD } });
    expect(json.status).toBe(415);
    expect(json.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(json.body).toContain("The form could not be read");
    expect(json.body).toContain(`href="${path}"`);

    const multipart = new FormData();
    multipart.set("password", NEW_PASSWORD);
    multipart.set("password2", NEW_PASSWORD);
    expect((await api<string>(path, { raw: multipart })).status).toBe(415);

    expect((await login(u.email, u.password)).status).toBe(200);
    expect((await open(path)).status).toBe(200);
  });

  it("a storage failure gets an HTML 503 page, not JSON", async () => {
    const u = await registerUser();
    const { path } = await pageLink(u.email);
    const kv = vi.spyOn(env.RESET_KV, "get").mockRejectedValue(new Error("KV GET failed: 500"));
    try {
      for (const res of [await open(path), await submit(path, { password: NEW_PASSWORD, password2: NEW_PASSWORD })]) {
        expect(res.status).toBe(503);
        expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
        expect(res.headers.get("content-security-policy")).toContain("style-src 'sha256-");
        expect(res.body).toContain("Service temporarily unavailable");
        expect(res.body).not.toContain("KV GET failed");
      }
    } finally {
      kv.mockRestore();
    }
    expect((await login(u.email, u.password)).status).toBe(200);
  });

  it("other methods are refused with Allow", async () => {
    const res = await api("/reset-password/x/y/", { method: "PUT", raw: "" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, POST, OPTIONS");
  });
});
