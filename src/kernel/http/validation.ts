import type { z } from "@hono/zod-openapi";
import { fieldErrors, type FieldErrors } from "../errors";

/**
 * zod issues to DRF's field errors. The field builders (http/fields.ts) already put DRF's
 * words in each issue, so this only groups them by field, keeping one message per rule.
 */
function toFieldErrors(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const field = typeof issue.path[0] === "string" ? issue.path[0] : "non_field_errors";
    const list = (out[field] ??= []);
    if (!list.includes(issue.message)) list.push(issue.message);
  }
  return out;
}

/** The hook every route's validator calls: a failed parse is a 400 in the contract's envelope. */
export const validationHook = (result: { success: boolean; error?: unknown }) => {
  if (!result.success) throw fieldErrors(toFieldErrors(result.error as z.ZodError));
};
