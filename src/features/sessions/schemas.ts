import { z } from "@hono/zod-openapi";
import { charField, passwordField, tokenField } from "../../kernel/http/fields";

/** simplejwt's obtain serializer has plain CharFields: no e-mail format check there. */
export const TokenObtainBody = z.object({ email: charField(255), password: passwordField() }).openapi("TokenObtainRequest");
export const RefreshBody = z.object({ refresh: tokenField() }).openapi("TokenRefreshRequest");
export const TokenVerifyBody = z.object({ token: tokenField() }).openapi("TokenVerifyRequest");
export const RefreshResult = z.object({ access: z.string(), refresh: z.string().optional() }).openapi("TokenRefreshResponse");

/** A session's pair as answered (the OpenAPI component keeps simplejwt's name). */
export const TokenPairJson = z.object({ refresh: z.string(), access: z.string() }).openapi("TokenPair");
export const TokenMsg = z.object({ token: TokenPairJson, msg: z.string() }).openapi("TokenWithMessage");
