import { z } from "@hono/zod-openapi";

/** The error envelopes of the contract, for every capability's OpenAPI responses. */
const Detail = z
  .object({ detail: z.string(), code: z.string().optional(), messages: z.array(z.record(z.string(), z.string())).optional() })
  .openapi("ErrorDetail");
const Fields = z.record(z.string(), z.array(z.string())).openapi("FieldErrors", { example: { email: ["This field is required."] } });
export const UserError = z.object({ errors: z.union([Detail, Fields]) }).openapi("UserApiError");
const TokenError = z.union([Detail, Fields]).openapi("TokenApiError");

export const Msg = z.object({ msg: z.string() }).openapi("Message");
export const Empty = z.object({}).openapi("Empty");

export const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { "application/json": { schema } }, description });
export const body = <T extends z.ZodType>(schema: T) => ({ body: { content: { "application/json": { schema } }, required: true } });
export const bearer = [{ bearerAuth: [] }];

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
/** Routes that ask for current_password: an account without a password whose session was not signed into recently. */
export const reauthError = { 403: json(UserError, "No password to check and no recent sign-in: reauthentication_required") };
/** /api/token/ with EMAIL_VERIFICATION=mandatory: a right password of an unverified address. */
export const notVerifiedTokenError = { 403: json(TokenError, "EMAIL_VERIFICATION=mandatory: the address is not verified (after a right password)") };
export const tokenErrors = {
  400: json(TokenError, "Validation failed"),
  401: json(TokenError, "Invalid credentials or token"),
  413: json(TokenError, "Body over 64 KiB"),
  415: json(TokenError, "Body not sent as JSON"),
  429: json(TokenError, "Throttled"),
  503: json(TokenError, "Temporarily unavailable"),
};
