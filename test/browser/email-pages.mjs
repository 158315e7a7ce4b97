// The worker's e-mail verification and e-mail change pages in a real browser (run by run.mjs,
// on lib.mjs's shared worker and Chromium, the sibling of reset-page.mjs): the worker runs with
// EMAIL_VERIFICATION=mandatory and no link URLs set, so the mails link to the worker's own pages;
// JavaScript off. Screenshots of each state go to test-artifacts/email-*.png.
import assert from "node:assert/strict";
import { join } from "node:path";
import { ARTIFACTS, check, log, waitFor } from "./lib.mjs";

export const name = "e-mail pages";
export const checks = 5;
/** Worker vars this suite needs, besides the harness's (PASSWORD_RESET_URL unset). */
export const vars = { EMAIL_VERIFICATION: "mandatory" };

/** @param {Awaited<ReturnType<typeof import("./lib.mjs").start>>} h */
export async function run(h) {
  const { origin, api, mailsTo, linkIn } = h;

  const email = `browser.${Date.now().toString(36)}@example.com`;
  const password = "Initial-Pebble-2209";
  const reg = await api("/api/user/register/", { email, name: "Browser Tester", password, password2: password, tc: true });
  assert.equal(reg.status, 201, JSON.stringify(reg.body));
  assert.deepEqual(reg.body, { msg: "Registration Successful", verification_required: true });
  const verifyLink = linkIn(await waitFor("the verification mail", () => mailsTo(email)[0], 10_000, 100), "verify-email");
  log("verification link received");

  const { page, cspViolations } = await h.newPage();
  const shot = (name) => page.screenshot({ path: join(ARTIFACTS, `email-${name}.png`), fullPage: true });
  const click = async (name) => {
    const [response] = await Promise.all([page.waitForNavigation(), page.getByRole("button", { name }).click()]);
    return response;
  };
  const h1 = () => page.getByRole("heading", { level: 1 }).innerText();

  // A second account, whose link is made to expire (a wrangler d1 execute of a few seconds,
  // so it runs while the first checks do): its page says so, and its form sends a new link.
  const late = `late.${Date.now().toString(36)}@example.com`;
  const expiredLink = (async () => {
    assert.equal((await api("/api/user/register/", { email: late, name: "Late Tester", password, password2: password, tc: true })).status, 201);
    const link = linkIn(await waitFor("the second verification mail", () => mailsTo(late)[0], 10_000, 100), "verify-email");
    await h.d1(`UPDATE mail_tokens SET expires_at = 1 WHERE email = '${late}'`).catch((err) => {
      throw new Error(`could not expire the link: ${err.message}`);
    });
    return link;
  })();
  expiredLink.catch(() => {}); // awaited (and reported) by its check

  await check("the verification page: one button, strict CSP; opening it (twice) verifies nothing", async () => {
    for (let i = 0; i < 2; i++) {
      const res = await page.goto(verifyLink);
      assert.equal(res.status(), 200);
      assert.match(res.headers()["content-security-policy"], /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'$/);
    }
    assert.equal(await h1(), "Confirm your email address");
    assert.match(await page.locator("main").innerText(), new RegExp(email.replace(/[.]/g, "\\.")));
    assert.equal(await page.locator("script").count(), 0);
    await shot("1-verify-page");
    const login = await api("/api/user/login/", { email, password });
    assert.equal(login.status, 403, "still unverified after the GETs");
    assert.deepEqual(login.body, { errors: { detail: "Email address is not verified.", code: "email_not_verified" } });
  });

  await check("its button verifies; the address can then sign in", async () => {
    await page.goto(verifyLink);
    const res = await click("Confirm my email address");
    assert.equal(res.status(), 200);
    assert.equal(await h1(), "Email address confirmed");
    await shot("2-verified");
    assert.equal((await api("/api/user/login/", { email, password })).status, 200);
  });

  await check("the used link is dead and offers a new one", async () => {
    const res = await page.goto(verifyLink);
    assert.equal(res.status(), 400);
    assert.equal(await h1(), "This link is no longer valid");
    assert.equal(await page.getByLabel("Email address", { exact: true }).count(), 1);
    await shot("3-used-link");
  });

  const lateLink = await expiredLink;

  await check("an expired link says so; its form sends a new link that works", async () => {
    const res = await page.goto(lateLink);
    assert.equal(res.status(), 400);
    assert.equal(await h1(), "This link has expired");
    await shot("4-expired-link");
    await page.getByLabel("Email address", { exact: true }).fill("not-an-address");
    let sent = await click("Send a new link");
    assert.equal(sent.status(), 400);
    assert.match(await page.locator("main").innerText(), /Enter a valid email address\./);
    await shot("5-resend-error");
    await page.getByLabel("Email address", { exact: true }).fill(late);
    sent = await click("Send a new link");
    assert.equal(sent.status(), 200);
    assert.equal(await h1(), "Check your email");
    await shot("6-resend-sent");
    const fresh = linkIn(await waitFor("the new link", () => mailsTo(late)[1], 10_000, 100), "verify-email");
    await page.goto(fresh);
    assert.equal((await click("Confirm my email address")).status(), 200);
  });

  await check("the e-mail change page shows both addresses; its button changes the address", async () => {
    const tokens = await api("/api/token/", { email, password });
    assert.equal(tokens.status, 200);
    const newEmail = `moved.${Date.now().toString(36)}@example.com`;
    const res = await fetch(`${origin}/api/user/change-email/`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${tokens.body.access}` },
      body: JSON.stringify({ new_email: newEmail, current_password: password }),
    });
    assert.equal(res.status, 200);
    const changeLink = linkIn(await waitFor("the change mail", () => mailsTo(newEmail)[0], 10_000, 100), "confirm-email-change");
    await waitFor("the notice to the old address", () => mailsTo(email).find((m) => /being changed/.test(m.subject)), 10_000, 100);
    const pageRes = await page.goto(changeLink);
    assert.equal(pageRes.status(), 200);
    assert.equal(await h1(), "Confirm your new email address");
    const text = await page.locator("main").innerText();
    assert.ok(text.includes(email) && text.includes(newEmail));
    await shot("7-change-page");
    assert.equal((await click("Use my new email address")).status(), 200);
    assert.equal(await h1(), "Email address changed");
    await shot("8-changed");
    assert.equal((await api("/api/user/login/", { email: newEmail, password })).status, 200);
    const again = await page.goto(changeLink);
    assert.equal(again.status(), 400);
    await shot("9-change-used-link");
    await page.setViewportSize({ width: 375, height: 800 });
    await page.goto(lateLink);
    await shot("10-dead-link-mobile");
    assert.deepEqual(cspViolations, [], "no CSP violations on any page");
  });

  // The context stays open: closing one can take the single-process Chromium down with it
  // (sparticuz's --single-process); lib.mjs's cleanup closes the browser.
}
