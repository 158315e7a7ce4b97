import { z } from "@hono/zod-openapi";
import { booleanField, emailField } from "../../kernel/http/fields";
import { MSG } from "../../kernel/messages";

export const StartBody = z
  .object({
    email: emailField(),
    // Kept for a sign-up at verify, where the account's creation cleans it; never mailed, never a shape error.
    name: z
      .unknown()
      .optional()
      .transform((v) => (typeof v === "string" ? v.slice(0, 1000) : undefined))
      .openapi({ type: "string", description: "Under signup: the new account's name (else the address's local part)" }),
    tc: booleanField().optional().openapi({ type: "boolean", description: "Under signup: the terms accepted (verify refuses to create an account without it)" }),
  })
  .openapi("EmailSignInStartRequest");

export const Started = z
  .object({ challenge_id: z.string(), msg: z.string() })
  .openapi("EmailSignInStarted", { example: { challenge_id: "kP3…", msg: "Sign-in code send. Please check your Email" } });

// Any value is looked up as given (a wrong one is a wrong answer), so these fields only have to be present.
const given = (description: string) => z.unknown().openapi({ type: "string", description });

export const VerifyBody = z
  .object({
    challenge_id: given("The challenge_id that start answered (required)").optional(),
    code: given("The 8-digit code from the mail").optional(),
    token: given("The token of the mailed link (`<PASSWORDLESS_URL>/<challenge_id>/<token>/`)").optional(),
  })
  .superRefine((b, ctx) => {
    if (b.challenge_id === undefined) ctx.addIssue({ code: "custom", path: ["challenge_id"], message: MSG.required });
    if (b.code === undefined && b.token === undefined) ctx.addIssue({ code: "custom", path: ["code"], message: MSG.required });
  })
  .openapi("EmailSignInVerifyRequest", { description: "`challenge_id` and either `code` or `token`" });
