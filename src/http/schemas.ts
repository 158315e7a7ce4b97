import { z } from "@hono/zod-openapi";
import { booleanField, charField, emailField, passwordField, tokenField } from "./fields";

/** Request bodies: these schemas validate requests and are the OpenAPI document's source. */
export const RegisterBody = z
  .object({ email: emailField(), name: charField(200), password: passwordField(), password2: passwordField(), tc: booleanField() })
  .openapi("RegisterRequest");
export const LoginBody = z.object({ email: emailField(), password: passwordField() }).openapi("LoginRequest");
export const ChangePasswordBody = z
  .object({ password: passwordField(), password2: passwordField(), current_password: passwordField() })
  .openapi("ChangePasswordRequest");
export const ResetEmailBody = z.object({ email: emailField() }).openapi("SendResetEmailRequest");
export const ResetBody = z.object({ password: passwordField(), password2: passwordField() }).openapi("ResetPasswordRequest");
export const ResetParams = z.object({
  uid: z.string().openapi({ param: { name: "uid", in: "path" }, example: "MQ" }),
  token: z.string().openapi({ param: { name: "token", in: "path" } }),
});
/** simplejwt's obtain serializer has plain CharFields: no e-mail format check there. */
export const TokenObtainBody = z.object({ email: charField(255), password: passwordField() }).openapi("TokenObtainRequest");
export const RefreshBody = z.object({ refresh: tokenField() }).openapi("TokenRefreshRequest");
export const VerifyBody = z.object({ token: tokenField() }).openapi("TokenVerifyRequest");

/** Responses. */
export const TokenPair = z.object({ refresh: z.string(), access: z.string() }).openapi("TokenPair");
export const TokenMsg = z.object({ token: TokenPair, msg: z.string() }).openapi("TokenWithMessage");
export const Msg = z.object({ msg: z.string() }).openapi("Message");
export const RefreshResult = z.object({ access: z.string(), refresh: z.string().optional() }).openapi("TokenRefreshResponse");
export const Empty = z.object({}).openapi("Empty");
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
  })
  .openapi("Profile");

/** The error envelopes of the contract. */
const Detail = z
  .object({ detail: z.string(), code: z.string().optional(), messages: z.array(z.record(z.string(), z.string())).optional() })
  .openapi("ErrorDetail");
const Fields = z.record(z.string(), z.array(z.string())).openapi("FieldErrors", { example: { email: ["This field is required."] } });
export const UserError = z.object({ errors: z.union([Detail, Fields]) }).openapi("UserApiError");
export const TokenError = z.union([Detail, Fields]).openapi("TokenApiError");

const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { "application/json": { schema } }, description });
export const body = <T extends z.ZodType>(schema: T) => ({ body: { content: { "application/json": { schema } }, required: true } });

/** Error responses every route may give, in the envelope of its family. */
export const userErrors = {
  400: json(UserError, "Validation failed (field errors or non_field_errors)"),
  413: json(UserError, "Body over 64 KiB"),
  415: json(UserError, "Body not sent as JSON"),
  429: json(UserError, "Throttled"),
  503: json(UserError, "Temporarily unavailable"),
};
/** What any route behind a bearer token may answer besides its own statuses. */
export const authErrors = {
  401: json(UserError, "Missing, invalid, expired or revoked access token"),
  503: json(UserError, "Temporarily unavailable"),
};
export const tokenErrors = {
  400: json(TokenError, "Validation failed"),
  401: json(TokenError, "Invalid credentials or token"),
  413: json(TokenError, "Body over 64 KiB"),
  415: json(TokenError, "Body not sent as JSON"),
  429: json(TokenError, "Throttled"),
  503: json(TokenError, "Temporarily unavailable"),
};
export { json };
