import { z } from "@hono/zod-openapi";
import { booleanField, charField, passwordField } from "../../kernel/http/fields";
import { MfaRequired } from "../mfa";
import { TokenMsg } from "../sessions";

export const ProviderParams = z.object({ provider: z.string().openapi({ param: { name: "provider", in: "path" }, example: "google" }) });
export const IdParams = z.object({ id: z.string().openapi({ param: { name: "id", in: "path" }, example: "7" }) });
export const AdminIdentityParams = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" }, description: "The user's id", example: "42" }),
  identityId: z.string().openapi({ param: { name: "identityId", in: "path" }, example: "7" }),
});

const challenge = charField(128).openapi({ description: "BASE64URL(SHA-256(the front end's own PKCE verifier)), 43 characters", example: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" });

export const StartBody = z
  .object({
    redirect_uri: charField(2048).openapi({ description: "One of SOCIAL_REDIRECT_URLS, exactly", example: "https://app.example.com/auth/callback" }),
    code_challenge: challenge,
    tc: booleanField().optional(),
  })
  .openapi("OidcStartRequest");

export const LinkBody = z
  .object({
    provider: charField(32).openapi({ example: "google" }),
    redirect_uri: charField(2048),
    code_challenge: challenge,
    current_password: passwordField().optional(),
  })
  .openapi("IdentityLinkRequest");

export const CodeBody = z
  .object({
    code: charField(256).openapi({ description: "The app code from the callback's redirect (?code=)" }),
    code_verifier: charField(256).openapi({ description: "The front end's PKCE verifier (43-128 characters)" }),
  })
  .openapi("OidcCodeRequest");

export const AuthorizeUrl = z.object({ authorize_url: z.string() }).openapi("AuthorizeUrl");

export const LoginAnswer = z.union([TokenMsg, MfaRequired]).openapi("LoginAnswer");

export const IdentityJson = z
  .object({ id: z.number().int(), provider: z.string(), email: z.string().nullable(), created_at: z.string(), last_login: z.string().nullable() })
  .openapi("Identity");
export const IdentityList = z.object({ results: z.array(IdentityJson) }).openapi("IdentityList");
