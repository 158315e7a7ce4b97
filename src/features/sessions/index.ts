import type { Capability } from "../../kernel/capability";
import { deleteExpiredRecords } from "./cleanup";
import { sessionRoutes } from "./routes";

const events = ["session.revoked", "refresh.reuse_detected"] as const;

// The names this capability adds to the kernel's lists, so a typo in one fails the typecheck.
declare module "../../kernel/names" {
  interface EventTypes extends Record<(typeof events)[number], true> {}
}

export const sessionsCapability = { name: "sessions", routes: sessionRoutes, events, daily: deleteExpiredRecords } satisfies Capability;

// What other capabilities use (they import nothing else from this folder).
export { revokeAllSessions } from "./manage";
export { requireAccessToken } from "./require-auth";
export { refreshTokens, sessions } from "./schema";
export { RefreshBody, RefreshResult, TokenMsg, TokenObtainBody, TokenPairJson, TokenVerifyBody } from "./schemas";
export { blacklistRefreshToken, checkToken, findSessionSignedInAt, openSession } from "./service";
export type { Authenticated } from "./service";
export { refreshSession } from "./refresh";
export { SESSION_MSG } from "./messages";
export type { TokenPair } from "./service";
export { recordPasswordFailure, replacePasswordEndingSessions, revokeUserSessionsStatement } from "./store";
