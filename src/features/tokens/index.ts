import type { Capability } from "../../kernel/capability";
import { tokenRoutes } from "./routes";

/** Signing keys and the JWKS. */
export const tokensCapability = { name: "tokens", routes: tokenRoutes } satisfies Capability;

// What other capabilities use (they import nothing else from this folder).
export { deriveId, generationJti, isGenuineGeneration, jtiKey, mintToken, verifyToken } from "./jwt";
export type { TokenClaims } from "./jwt";
export { bearerTokenInvalid, tokenBlacklisted, tokenInvalid } from "./messages";
