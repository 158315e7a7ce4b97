import { z } from "@hono/zod-openapi";
import { emailField, passwordField } from "../../kernel/http/fields";

export const ResetEmailBody = z.object({ email: emailField() }).openapi("SendResetEmailRequest");
export const ResetBody = z.object({ password: passwordField(), password2: passwordField() }).openapi("ResetPasswordRequest");
export const ResetParams = z.object({
  uid: z.string().openapi({ param: { name: "uid", in: "path" }, example: "MQ" }),
  token: z.string().openapi({ param: { name: "token", in: "path" } }),
});
