import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { emailField } from "../../kernel/http/fields";
import { readBoundedBody } from "../../kernel/http/json-body";
import { classifyError } from "../../kernel/http/render-error";
import { clientIp, throttle } from "../../kernel/http/throttle";
import type { AppEnv } from "../../kernel/http/types";
import { MSG } from "../../kernel/messages";
import { renderPage as render } from "../../kernel/pages/render";
import { guards, TURNSTILE_MSG } from "../turnstile";
import { EMAIL_MSG } from "./messages";
import { ChangedPage, ChangePage, EmailDeadLinkPage, EmailProblemPage, ResendPage, ResendSentPage, VerifiedPage, VerifyPage } from "./pages";
import { inspectChangeLink, inspectVerifyLink, requestVerification, spendChangeLink, spendVerifyLink, verifyLinkBase } from "./service";

/**
 * The worker's own verification and e-mail change pages, where the mails link when
 * EMAIL_VERIFICATION_URL / EMAIL_CHANGE_URL are unset: server-rendered HTML, no script, the
 * pages' strict CSP. A GET only shows the link's state and one button: mail scanners (Outlook
 * Safe Links, gateways) that open every link spend nothing; only the form's POST does.
 *
 * Status codes as the reset page: the page 200, a dead link 400, success 200, the resend
 * form with an error 400, 413/415 for bodies the form cannot send, 429, 503.
 */
const VERIFY = "/verify-email/:uid/:token";
const CHANGE = "/confirm-email-change/:uid/:token";
const RESEND = "/verify-email/resend";
const FORM_TYPE = "application/x-www-form-urlencoded";

async function deadLink(c: Context<AppEnv>, kind: "verify" | "change", uid: string, token: string) {
  const d = c.get("deps");
  const state = await (kind === "verify" ? inspectVerifyLink : inspectChangeLink)(d, uid, token);
  const reason = state.live ? "invalid" : state.reason;
  return render(c, 400, <EmailDeadLinkPage kind={kind} reason={reason} lifetimeSeconds={d.config.EMAIL_VERIFICATION_TIMEOUT} />);
}

const pages = new OpenAPIHono<AppEnv>();
const Params = z.object({
  uid: z.string().openapi({ param: { name: "uid", in: "path" }, description: "The account id, base64url", example: "MQ" }),
  token: z.string().openapi({ param: { name: "token", in: "path" }, description: "The one-time token from the mail" }),
});
const html = (description: string) => ({ description, content: { "text/html": { schema: z.string() } } });
const failures = { 500: html("Server error"), 503: html("Storage unavailable") };
for (const [path, what] of [
  ["/verify-email/{uid}/{token}", "verification"],
  ["/confirm-email-change/{uid}/{token}", "e-mail change"],
] as const) {
  pages.openAPIRegistry.registerPath({
    method: "get",
    path,
    tags: ["pages"],
    summary: `The ${what} page the mail links to (HTML, no script): shows one button, spends nothing`,
    request: { params: Params },
    responses: { 200: html("The page with its button"), 400: html("The link expired (said so), or was used, superseded or tampered with"), ...failures },
  });
  pages.openAPIRegistry.registerPath({
    method: "post",
    path,
    tags: ["pages"],
    summary: `The ${what} page's button: spends the link`,
    request: { params: Params },
    responses: { 200: html("Done"), 400: html("The dead-link page"), ...failures },
  });
}
pages.openAPIRegistry.registerPath({
  method: "get",
  path: "/verify-email/resend",
  tags: ["pages"],
  summary: "A form that asks for a new verification link",
  responses: { 200: html("The form"), ...failures },
});
pages.openAPIRegistry.registerPath({
  method: "post",
  path: "/verify-email/resend",
  tags: ["pages"],
  summary: "The resend form: the same answer for every address (rate limited as the API)",
  request: { body: { required: true, content: { [FORM_TYPE]: { schema: z.object({ email: z.string().max(255) }) } } } },
  responses: {
    200: html("Sent if the address needs it"),
    400: html("The form again with its error"),
    413: html("Body over 64 KiB"),
    403: html("Turnstile guards verification mails (docs/turnstile.md): this page, without the widget, sends none"),
    415: html("Not application/x-www-form-urlencoded"),
    429: html("Throttled"),
    ...failures,
  },
});

export const emailPageRoutes = pages
  .get(RESEND, (c) => render(c, 200, <ResendPage />))
  .post(RESEND, async (c) => {
    // No script here, so no Turnstile widget: while Turnstile guards verification mails this
    // form sends none, or it would be the unguarded way round the API's check.
    if (guards(c.env, "verification")) return render(c, 403, <EmailProblemPage title={TURNSTILE_MSG.pageTitle} message={TURNSTILE_MSG.pageMessage} />);
    const d = c.get("deps");
    const bytes = await readBoundedBody(c.req.raw);
    if (bytes === null) return render(c, 413, <EmailProblemPage title="The form was too large" message="Nothing was sent." />);
    const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    if (bytes.byteLength > 0 && type !== FORM_TYPE) return render(c, 415, <EmailProblemPage title="The form could not be read" message="This page only accepts its own form." />);
    const form = new URLSearchParams(new TextDecoder().decode(bytes));
    const parsed = emailField().safeParse(form.getAll("email").at(-1));
    if (!parsed.success) {
      const errors = parsed.error.issues.map((i) => (i.message === MSG.required || i.message === MSG.blank ? EMAIL_MSG.page.emptyEmail : i.message));
      return render(c, 400, <ResendPage errors={[...new Set(errors)]} />);
    }
    await throttle(c, [
      ["VERIFY_EMAIL_LIMITER", d.log.emailRef(parsed.data)],
      ["VERIFY_IP_LIMITER", clientIp(c)],
    ]);
    await requestVerification(d, parsed.data, verifyLinkBase(d));
    return render(c, 200, <ResendSentPage lifetimeSeconds={d.config.EMAIL_VERIFICATION_TIMEOUT} />);
  })
  .get(VERIFY, async (c) => {
    const { uid, token } = c.req.param();
    const state = await inspectVerifyLink(c.get("deps"), uid, token);
    if (!state.live) return deadLink(c, "verify", uid, token);
    return render(c, 200, <VerifyPage email={state.userEmail} />);
  })
  .post(VERIFY, async (c) => {
    const { uid, token } = c.req.param();
    const outcome = await spendVerifyLink(c.get("deps"), uid, token);
    if (outcome.kind === "dead") return deadLink(c, "verify", uid, token);
    return render(c, 200, <VerifiedPage />);
  })
  .get(CHANGE, async (c) => {
    const { uid, token } = c.req.param();
    const state = await inspectChangeLink(c.get("deps"), uid, token);
    if (!state.live || !state.token.newEmail) return deadLink(c, "change", uid, token);
    return render(c, 200, <ChangePage oldEmail={state.userEmail} newEmail={state.token.newEmail} />);
  })
  .post(CHANGE, async (c) => {
    const { uid, token } = c.req.param();
    const outcome = await spendChangeLink(c.get("deps"), uid, token);
    if (outcome.kind === "dead") return deadLink(c, "change", uid, token);
    return render(c, 200, <ChangedPage newEmail={outcome.newEmail} />);
  })
  .onError((err, c) => {
    const e = classifyError(err, c.get("requestId"));
    if (e.status === 429) {
      for (const [k, v] of Object.entries(e.options.headers ?? {})) c.header(k, v);
      return render(c, 429, <EmailProblemPage title={EMAIL_MSG.page.throttledTitle} message={EMAIL_MSG.page.throttled} />);
    }
    return e.status === 503
      ? render(c, 503, <EmailProblemPage title={EMAIL_MSG.page.unavailableTitle} message={EMAIL_MSG.page.unavailable} />)
      : render(c, 500, <EmailProblemPage title={EMAIL_MSG.page.failedTitle} message={EMAIL_MSG.page.failed} />);
  });
