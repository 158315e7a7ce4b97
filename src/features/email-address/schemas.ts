import { z } from "@hono/zod-openapi";
import { emailField, passwordField } from "../../kernel/http/fields";

export const VerificationEmailBody = z.object({ email: emailField() }).openapi("SendVerificationEmailRequest");
export const ChangeEmailBody = z.object({ new_email: emailField(), current_password: passwordField() }).openapi("ChangeEmailRequest");
export const LinkParams = z.object({
  uid: z.string().openapi({ param: { name: "uid", in: "path" }, description: "The account id, base64url (Django's urlsafe_base64_encode)", example: "MQ" }),
  token: z.string().openapi({ param: { name: "token", in: "path" }, description: "The one-time token from the mail (43 base64url characters)" }),
});
/** The answer of a registration in mandatory mode: no token until the address is verified. */
export const RegisteredUnverified = z
  .object({ msg: z.string(), verification_required: z.literal(true) })
  .openapi("RegisteredVerificationRequired");
