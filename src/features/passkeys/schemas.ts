import { z } from "@hono/zod-openapi";
import { nameField, passwordField, tokenField } from "../../kernel/http/fields";
import { MSG } from "../../kernel/messages";

// The WebAuthn JSON forms are checked by verify.ts, so that any flaw gets the route's one
// refusal body; here a credential only has to be there.
const credentialField = (form: string) =>
  z
    .unknown()
    .superRefine((v, ctx) => {
      if (v === undefined) ctx.addIssue({ code: "custom", message: MSG.required });
    })
    .openapi({ type: "object", description: `A ${form}: what credential.toJSON() gives` });
const optionsOf = (form: string) =>
  z.object({ options: z.record(z.string(), z.unknown()).openapi({ description: `${form}, for PublicKeyCredential.parse*OptionsFromJSON()` }) });

export const CreationOptions = optionsOf("PublicKeyCredentialCreationOptionsJSON").openapi("PasskeyCreationOptions");
export const RequestOptions = optionsOf("PublicKeyCredentialRequestOptionsJSON").openapi("PasskeyRequestOptions");

export const RegisterOptionsBody = z
  .object({ current_password: passwordField().optional().openapi({ description: "Needed unless the session was signed into in the last REAUTH_MAX_AGE seconds" }) })
  .openapi("PasskeyRegisterOptionsRequest");
export const RegisterBody = z
  .object({ credential: credentialField("RegistrationResponseJSON"), name: nameField(100).optional().openapi({ example: "MacBook Touch ID", description: "Default: Passkey" }) })
  .openapi("PasskeyRegisterRequest");
export const RenameBody = z.object({ name: nameField(100) }).openapi("PasskeyRenameRequest");
export const SignInBody = z.object({ credential: credentialField("AuthenticationResponseJSON") }).openapi("PasskeySignInRequest");
export const SecondStepOptionsBody = z.object({ mfa_token: tokenField() }).openapi("PasskeySecondStepOptionsRequest");

export const PasskeyJson = z
  .object({
    id: z.number().int(),
    name: z.string(),
    credential_id: z.string(),
    created_at: z.string(),
    last_used_at: z.string().nullable(),
    backup_eligible: z.boolean(),
    backed_up: z.boolean(),
    transports: z.array(z.string()),
  })
  .openapi("Passkey", {
    example: { id: 7, name: "MacBook Touch ID", credential_id: "k3Jx…", created_at: "2026-12-04T10:00:00.000Z", last_used_at: null, backup_eligible: true, backed_up: true, transports: ["internal", "hybrid"] },
  });
export const PasskeyList = z.object({ results: z.array(PasskeyJson) }).openapi("PasskeyList");
export const PasskeyIdParams = z.object({ id: z.string().openapi({ param: { name: "id", in: "path" }, example: "7" }) });
export const AdminPasskeyParams = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" }, example: "42" }),
  passkeyId: z.string().openapi({ param: { name: "passkeyId", in: "path" }, example: "7" }),
});
