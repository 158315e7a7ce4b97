// The worker's password-reset page in a real browser (run by run.mjs, on lib.mjs's shared
// worker and Chromium): the reset mail, recorded by the fake mail provider, links to the
// worker's own page (PASSWORD_RESET_URL unset), which the browser walks as a person would,
// JavaScript off. Screenshots go to test-artifacts/reset-page-*.png.
//
// The shared worker runs with EMAIL_VERIFICATION=mandatory (email-pages.mjs needs it); the reset
// page and the reset API do not read that setting, but login refuses an unverified address, so
// the account first confirms its address through its verification mail (in "none" mode, the
// default, there is no such mail and nothing to do).
import assert from "node:assert/strict";
import { join } from "node:path";
import { ARTIFACTS, check, log, waitFor } from "./lib.mjs";

export const name = "reset page";
export const checks = 4;
/** Worker vars this suite needs: none beyond the harness's (PASSWORD_RESET_URL unset). */
export const vars = {};

const NEW_PASSWORD = "Amber-Canyon-4817";
const DEAD = "This link has expired or was already used";
const SUCCESS = "Your password has been changed. You can now sign in with your new password.";

/** @param {Awaited<ReturnType<typeof import("./lib.mjs").start>>} h */
export async function run(h) {
  const { origin, api, mailsTo, linkIn } = h;

  const email = `reset.${Date.now().toString(36)}@example.com`;
  const oldPassword = "Initial-Pebble-2209";
  const reg = await api("/api/user/register/", { email, name: "Browser Tester", password: oldPassword, password2: oldPassword, tc: true });
  assert.equal(reg.status, 201, JSON.stringify(reg.body));
  if (reg.body.verification_required) {
    const verifyLink = linkIn(await waitFor("the verification mail", () => mailsTo(email)[0], 10_000, 100), "verify-email");
    const { pathname } = new URL(verifyLink);
    const verified = await api(`/api/user${pathname}`.replace(/\/$/, ""), {});
    assert.equal(verified.status, 200, JSON.stringify(verified.body));
    log("address verified (EMAIL_VERIFICATION=mandatory)");
  }
  const sent = await api("/api/user/send-reset-password-email/", { email });
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
  const mail = await waitFor("the reset mail", () => mailsTo(email).find((m) => /\/reset-password\//.test(m.text)), 10_000, 100);
  const match = mail.text.match(/https?:\/\/\S+\/reset-password\/[A-Za-z0-9_-]+\/[A-Za-z0-9_-]+\//);
  assert.ok(match, `no reset link in the mail:\n${mail.text}`);
  const link = match[0];
  assert.ok(link.startsWith(`${origin}/reset-password/`), `the link should point at the worker's own page: ${link}`);
  log(`reset link received: ${link.replace(/[^/]+\/$/, "…/")}`);

  const { page, cspViolations } = await h.newPage();

  /** The label of an input, by its for= and its accessible name. */
  const assertLabelled = async (id, text) => {
    assert.equal(await page.locator(`label[for="${id}"]`).count(), 1, `one label for #${id}`);
    assert.equal((await page.locator(`label[for="${id}"]`).innerText()).trim(), text);
    assert.equal(await page.getByLabel(text, { exact: true }).getAttribute("id"), id);
  };
  const submit = async () => {
    const [response] = await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Change password" }).click()]);
    return response;
  };

  await check("a live link shows the labelled form, styled, keyboard-reachable", async () => {
    const res = await page.goto(link);
    assert.equal(res.status(), 200);
    const headers = res.headers();
    assert.match(headers["content-security-policy"], /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'$/);
    assert.equal(headers["referrer-policy"], "no-referrer");
    assert.equal(headers["cache-control"], "no-store");
    assert.equal(await page.title(), "Choose a new password");
    assert.equal(await page.getByRole("heading", { level: 1 }).innerText(), "Choose a new password");
    await assertLabelled("password", "New password");
    await assertLabelled("password2", "Confirm new password");
    for (const id of ["password", "password2"]) assert.equal(await page.locator(`#${id}`).getAttribute("autocomplete"), "new-password");
    assert.match(await page.locator("#password-rules").innerText(), /at least 8 characters[\s\S]*at most 4096 characters/);
    // The hashed inline stylesheet applies (a blocked one would leave the card unstyled).
    assert.equal(await page.locator("main").evaluate((el) => getComputedStyle(el).borderTopLeftRadius), "12px");
    // Keyboard: the first Tab reaches the new-password field, with a visible focus outline.
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "password");
    const outline = await page.locator("#password").evaluate((el) => {
      const s = getComputedStyle(el);
      return `${s.outlineStyle} ${s.outlineWidth}`;
    });
    assert.equal(outline, "solid 3px");
    await page.screenshot({ path: join(ARTIFACTS, "reset-page-1-form.png"), fullPage: true });
  });

  await check("a weak password shows its error beside the field (aria-invalid, described, focused)", async () => {
    await page.locator("#password").fill("password");
    await page.locator("#password2").fill("password");
    const res = await submit();
    assert.equal(res.status(), 400);
    assert.equal(await page.title(), "Error: Choose a new password");
    const field = page.locator("#password");
    assert.equal(await field.getAttribute("aria-invalid"), "true");
    const describedBy = (await field.getAttribute("aria-describedby")).split(" ");
    assert.ok(describedBy.includes("password-error"), `aria-describedby=${describedBy}`);
    const error = page.locator("#password-error");
    assert.match(await error.innerText(), /This password is too common\./);
    // Beside the field: in the same field group, just above the input.
    assert.equal(await error.evaluate((el) => el.parentElement === document.getElementById("password").parentElement), true);
    const [errorBox, inputBox] = [await error.boundingBox(), await field.boundingBox()];
    assert.ok(errorBox.y < inputBox.y && inputBox.y - (errorBox.y + errorBox.height) < 40, "error right above the input");
    assert.equal(await page.locator("#password2").getAttribute("aria-invalid"), null);
    assert.match(await page.getByRole("alert").innerText(), /There is a problem[\s\S]*This password is too common\./);
    assert.equal(await page.evaluate(() => document.activeElement?.id), "password", "focus on the first invalid field, without script");
    await assertLabelled("password", "New password");
    await page.screenshot({ path: join(ARTIFACTS, "reset-page-2-weak-password.png"), fullPage: true });
    // The same state on a phone-sized screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(ARTIFACTS, "reset-page-2-weak-password-mobile.png"), fullPage: true });
    await page.setViewportSize({ width: 1024, height: 900 });
  });

  await check("a good password shows success, and the API signs in with it", async () => {
    await page.locator("#password").fill(NEW_PASSWORD);
    await page.locator("#password2").fill(NEW_PASSWORD);
    const res = await submit();
    assert.equal(res.status(), 200);
    assert.equal(await page.title(), "Password changed");
    assert.match(await page.locator("main").innerText(), new RegExp(SUCCESS.replace(/\./g, "\\.")));
    await page.screenshot({ path: join(ARTIFACTS, "reset-page-3-success.png"), fullPage: true });
    const fresh = await api("/api/user/login/", { email, password: NEW_PASSWORD });
    assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
    const stale = await api("/api/user/login/", { email, password: oldPassword });
    assert.equal(stale.status, 401);
  });

  await check("the used link shows the expired/used state", async () => {
    const res = await page.goto(link);
    assert.equal(res.status(), 400);
    assert.equal(await page.getByRole("heading", { level: 1 }).innerText(), DEAD);
    assert.match(await page.locator("main").innerText(), /request a new reset link/);
    assert.equal(await page.locator("form").count(), 0);
    assert.deepEqual(cspViolations, [], "no CSP violations on any page");
    await page.screenshot({ path: join(ARTIFACTS, "reset-page-4-used-link.png"), fullPage: true });
  });

  // The context stays open: closing one can take the single-process Chromium down with it
  // (sparticuz's --single-process); lib.mjs's cleanup closes the browser.
}
