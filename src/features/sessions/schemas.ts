import { z } from "@hono/zod-openapi";
import { charField, passwordField, tokenField } from "../../kernel/http/fields";

/** simplejwt's obtain serializer has plain CharFields: no e-mail format check there. */
export const TokenObtainBody = z.object({ email: charField(255), password: passwordField() }).openapi("TokenObtainRequest");
export const RefreshBody = z.object({ refresh: tokenField() }).openapi("TokenRefreshRequest");
export const VerifyBody = z.object({ token: tokenField() }).openapi("TokenVerifyRequest");
export const RefreshResult = z.object({ access: z.string(), refresh: z.string().optional() }).openapi("TokenRefreshResponse");
