/**
 * Sign-in with an identity provider (generic OIDC by discovery, and the GitHub preset): the
 * protocol core. What other capabilities and app.ts may use; the routes, limiters and account
 * wiring are declared here once they exist.
 */
export { oidcSettings, type OidcSettings, type Provider, type OidcProvider, type GithubProvider } from "./config";
export {
  startAttempt,
  completeCallback,
  issueAppCode,
  redeemAppCode,
  type StartInput,
  type AttemptInfo,
  type CallbackResult,
  type CallbackErrorCode,
  type IdentityResult,
  type AppCodeInput,
  type AppCodePurpose,
} from "./service";
export { OIDC_MSG, invalidAppCode, providerUnavailable } from "./messages";
export { deleteExpiredOidcCeremonies } from "./cleanup";
export { identities, type Identity } from "./schema";
export { findIdentity } from "./store";
