import { z } from "@hono/zod-openapi";
import { charField, passwordField, tokenField } from "../../kernel/http/fields";

const codeField = () => charField(64).openapi({ example: "492039", description: "A 6-digit TOTP code, or (disable, recovery-codes) a recovery code" });
const recoveryCodeField = () => charField(64).openapi({ example: "k7qm-3xwa-pd2n-hv5c" });
const RecoveryCodes = z.array(z.string()).openapi({
  example: ["k7qm-3xwa-pd2n-hv5c", "b2rt-9cfe-q4mz-w8ks", "…"],
  description: "10 single-use codes, shown once",
});

export const MfaStatus = z
  .object({ totp: z.boolean(), recovery_codes_left: z.number().int(), passkeys: z.number().int().optional() })
  .openapi("MfaStatus", { example: { totp: true, recovery_codes_left: 9 } });

export const SetupBody = z.object({ current_password: passwordField() }).openapi("MfaSetupRequest");
export const SetupResult = z
  .object({ secret: z.string(), otpauth_url: z.string(), qr_svg: z.string() })
  .openapi("MfaSetupResponse", {
    example: {
      secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
      otpauth_url: "otpauth://totp/edge-auth:ada%40example.com?issuer=edge-auth&algorithm=SHA1&secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&period=30&digits=6",
      qr_svg: '<svg xmlns="http://www.w3.org/2000/svg" …>…</svg>',
    },
  });

export const ConfirmBody = z.object({ code: codeField() }).openapi("MfaConfirmRequest");
export const RecoveryCodesResult = z
  .object({ msg: z.string(), recovery_codes: RecoveryCodes })
  .openapi("MfaRecoveryCodesResponse", {
    example: { msg: "Two-factor authentication enabled", recovery_codes: ["k7qm-3xwa-pd2n-hv5c", "b2rt-9cfe-q4mz-w8ks"] },
  });

export const PasswordAndCodeBody = z
  .object({ current_password: passwordField(), code: codeField() })
  .openapi("MfaPasswordAndCodeRequest");

export const MfaVerifyBody = z
  .object({ mfa_token: tokenField().openapi({ example: "Xq3…", description: "Anything but a live mfa_token (whatever its length) is 401 token_not_valid, as simplejwt answers" }), code: codeField().optional(), recovery_code: recoveryCodeField().optional(), credential: z.unknown().optional() })
  .openapi("MfaVerifyRequest", { description: "`mfa_token` and either `code` (TOTP), `recovery_code` or `credential` (a passkey's AuthenticationResponseJSON, see /api/user/mfa/passkey/options/)" });

/** What /api/user/login/ answers for a user with MFA (no token pair). */
export const MfaRequired = z
  .object({ mfa_required: z.literal(true), mfa_token: z.string(), msg: z.string() })
  .openapi("MfaRequired", { example: { mfa_required: true, mfa_token: "Xq3…", msg: "Two-factor authentication required" } });
/** The same under /api/token/, without msg (simplejwt's views answer none). */
export const MfaRequiredToken = z
  .object({ mfa_required: z.literal(true), mfa_token: z.string() })
  .openapi("MfaRequiredToken", { example: { mfa_required: true, mfa_token: "Xq3…" } });
