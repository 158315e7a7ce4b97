import { z } from "@hono/zod-openapi";
import { booleanField, emailField, nameField, passwordField } from "../../kernel/http/fields";

/** Request bodies: these schemas validate requests and are the OpenAPI document's source. */
export const RegisterBody = z
  .object({ email: emailField(), name: nameField(200), password: passwordField(), password2: passwordField(), tc: booleanField() })
  .openapi("RegisterRequest");
export type RegisterBody = z.infer<typeof RegisterBody>;
export const LoginBody = z.object({ email: emailField(), password: passwordField() }).openapi("LoginRequest");
export const ChangePasswordBody = z
  .object({ password: passwordField(), password2: passwordField(), current_password: passwordField() })
  .openapi("ChangePasswordRequest");

export const Profile = z
  .object({
    id: z.number().int(),
    email: z.string(),
    name: z.string(),
    tc: z.boolean(),
    is_admin: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
    last_login: z.string().nullable(),
    mfa_enabled: z.boolean(),
    email_verified: z.boolean(),
    // false for accounts a provider or an e-mail code created, and imported hashes the worker cannot check.
    has_password: z.boolean(),
  })
  .openapi("Profile");
