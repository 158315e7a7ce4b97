import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { PASSWORD_MAX, passwordField } from "../../kernel/http/fields";
import { readBoundedBody } from "../../kernel/http/json-body";
import { classifyError } from "../../kernel/http/render-error";
import type { AppEnv } from "../../kernel/http/types";
import { MSG } from "../../kernel/messages";
import { renderPage as render } from "../../kernel/pages/render";
import { newPasswordProblems, PASSWORD_MSG } from "../passwords";
import { RESET_MSG } from "./messages";
import { ResetDeadLinkPage, ResetProblemPage, ResetFormPage, SuccessPage, type ResetFieldErrors } from "./pages";
import { attemptReset, resetLinkState } from "./service";

/**
 * The worker's own password-reset page, where the mail links when PASSWORD_RESET_URL is
 * unset: server-rendered HTML, no script, a plain form POSTed back to the same URL. It
 * uses the same reset module as POST /api/user/reset-password, so the rules are one.
 *
 * Status codes: the form 200; a dead link 400 (as the JSON API answers it: the request
 * names a link that cannot be used, and monitoring and link checkers should see that;
 * browsers render the page either way); a form with errors 400; success 200; 413 and 415
 * as the API; storage down 503.
 */
const PATH = "/reset-password/:uid/:token";
const FORM_TYPE = "application/x-www-form-urlencoded";

const deadLink = (c: Context<AppEnv>) =>
  render(c, 400, <ResetDeadLinkPage minutes={Math.max(1, Math.round(c.get("deps").config.PASSWORD_RESET_TIMEOUT / 60))} />);

type FormBody = { ok: true; form: URLSearchParams } | { ok: false; status: 413 | 415 };

/** The body, under the API's own limits: at most 64 KiB (413), form-encoded (415); empty is an empty form. */
async function readForm(req: Request): Promise<FormBody> {
  const bytes = await readBoundedBody(req);
  if (bytes === null) return { ok: false, status: 413 };
  if (bytes.byteLength === 0) return { ok: true, form: new URLSearchParams() };
  const type = (req.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== FORM_TYPE) return { ok: false, status: 415 };
  return { ok: true, form: new URLSearchParams(new TextDecoder().decode(bytes)) };
}

const EMPTY_MESSAGE = { password: RESET_MSG.page.emptyPassword, password2: RESET_MSG.page.emptyPassword2 } as const;

/**
 * One password field, through the API's own field (trimmed, not blank, at most 4096
 * characters), so both accept exactly the same input. A repeated field counts by its
 * last value, as Django's QueryDict does.
 */
function cleanField(form: URLSearchParams, name: "password" | "password2"): { value?: string; errors: string[] } {
  const parsed = passwordField().safeParse(form.getAll(name).at(-1));
  if (parsed.success) return { value: parsed.data, errors: [] };
  const errors = parsed.error.issues.map((i) => (i.message === MSG.required || i.message === MSG.blank ? EMPTY_MESSAGE[name] : i.message));
  return { errors: [...new Set(errors)] };
}

// Documented in the OpenAPI document (pages tag) but not validated by it: the handlers
// read the form themselves, for the pages' own 413/415 answers and field errors.
const pages = new OpenAPIHono<AppEnv>();
const Params = z.object({
  uid: z.string().openapi({ param: { name: "uid", in: "path" }, description: "The account id, base64url (Django's urlsafe_base64_encode)", example: "MQ" }),
  token: z.string().openapi({ param: { name: "token", in: "path" }, description: "The one-time token from the mail (43 base64url characters)" }),
});
const htmlResponse = (description: string) => ({ description, content: { "text/html": { schema: z.string() } } });
pages.openAPIRegistry.registerPath({
  method: "get",
  path: "/reset-password/{uid}/{token}",
  tags: ["pages"],
  summary: "The password-reset page the mail links to (HTML, no script)",
  request: { params: Params },
  responses: { 200: htmlResponse("The form"), 400: htmlResponse("The link has expired, was used, superseded or tampered with"), 500: htmlResponse("Server error"), 503: htmlResponse("Storage unavailable") },
});
pages.openAPIRegistry.registerPath({
  method: "post",
  path: "/reset-password/{uid}/{token}",
  tags: ["pages"],
  summary: "The reset page's form: sets the new password",
  request: {
    params: Params,
    body: {
      required: true,
      content: {
        [FORM_TYPE]: {
          schema: z.object({ password: z.string().max(PASSWORD_MAX), password2: z.string().max(PASSWORD_MAX) }),
        },
      },
    },
  },
  responses: {
    200: htmlResponse("Password changed; every session of the account is signed out"),
    400: htmlResponse("The form again with field errors, or the dead-link page"),
    413: htmlResponse("Body over 64 KiB"),
    415: htmlResponse("Not application/x-www-form-urlencoded"),
    500: htmlResponse("Server error"),
    503: htmlResponse("Storage unavailable"),
  },
});

export const pageRoutes = pages
  .get(PATH, async (c) => {
    const { uid, token } = c.req.param();
    const link = await resetLinkState(c.get("deps"), uid, token);
    if (link.kind === "dead") return deadLink(c);
    return render(c, 200, <ResetFormPage email={link.user.email} />);
  })
  .post(PATH, async (c) => {
    const { uid, token } = c.req.param();
    const d = c.get("deps");
    const back = new URL(c.req.url).pathname; // as the browser has it, trailing slash kept
    const body = await readForm(c.req.raw);
    if (!body.ok) {
      return body.status === 413
        ? render(c, 413, <ResetProblemPage title={RESET_MSG.page.tooLargeTitle} message={RESET_MSG.page.tooLarge} back={back} />)
        : render(c, 415, <ResetProblemPage title={RESET_MSG.page.unreadableTitle} message={RESET_MSG.page.unreadable} back={back} />);
    }

    const password = cleanField(body.form, "password");
    const password2 = cleanField(body.form, "password2");
    const errors: ResetFieldErrors = { password: password.errors, password2: password2.errors };
    if (password.value !== undefined && password2.value !== undefined && password.value !== password2.value) {
      errors.password2.push(PASSWORD_MSG.mismatch);
    }

    if (password.value !== undefined && !errors.password2.length) {
      const outcome = await attemptReset(d, uid, token, password.value);
      if (outcome.kind === "done") return render(c, 200, <SuccessPage />);
      if (outcome.kind === "dead") return deadLink(c);
      errors.password.push(...outcome.problems);
    }

    // Something to fix: only on a live link is the form worth showing again.
    const link = await resetLinkState(d, uid, token);
    if (link.kind === "dead") return deadLink(c);
    // Report the password's rule failures together with a confirmation problem, not one at a time.
    if (password.value !== undefined && !errors.password.length) errors.password.push(...(await newPasswordProblems(d, password.value, link.user)));
    return render(c, 400, <ResetFormPage email={link.user.email} errors={errors} />);
  })
  .onError((err, c) => {
    // The app's renderer would answer JSON; a person gets a page, from the same classification.
    const e = classifyError(err, c.get("requestId"));
    return e.status === 503
      ? render(c, 503, <ResetProblemPage title={RESET_MSG.page.unavailableTitle} message={RESET_MSG.page.unavailable} />)
      : render(c, 500, <ResetProblemPage title={RESET_MSG.page.failedTitle} message={RESET_MSG.page.failed} />);
  });
