/**
 * Build-time stand-in for Node's "crypto" (wrangler.toml [alias]). bcryptjs imports it only
 * as a fallback for randomness when WebCrypto is missing; Workers always have
 * crypto.getRandomValues, so the fallback is never reached and nodejs_compat is not needed.
 */
export default {};
