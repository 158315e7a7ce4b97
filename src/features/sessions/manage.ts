import type { Deps } from "../../kernel/deps";
import { sessionNotFound } from "./messages";
import { listLiveSessions, revokeAllUserSessions, revokeSessionStatement } from "./store";

export interface SessionView {
  id: string;
  created_at: string;
  last_used_at: string;
  expires_at: string;
  user_agent: string | null;
  country: string | null;
  current: boolean;
}

/** The user's live sessions, newest use first; the caller's own is marked. */
export async function listSessions(d: Deps, userId: number, currentSid: string | undefined): Promise<SessionView[]> {
  const rows = await listLiveSessions(d.db, userId, new Date());
  return rows.map((s) => ({
    id: s.id,
    created_at: s.createdAt.toISOString(),
    last_used_at: s.lastUsedAt.toISOString(),
    expires_at: s.expiresAt.toISOString(),
    user_agent: s.userAgent,
    country: s.country,
    current: s.id === currentSid,
  }));
}

/**
 * Revokes one of the caller's own sessions. Someone else's id and an unknown id get the
 * same answer, so a session id reveals nothing about other accounts.
 */
export async function revokeOwnSession(d: Deps, userId: number, sessionId: string): Promise<void> {
  const revoked = await revokeSessionStatement(d.db, sessionId, "logout", new Date(), userId);
  if (revoked.length === 0) throw sessionNotFound();
  d.securityEvent("session.revoked", { userId, sessionId, detail: { reason: "logout" } });
}

/** Signs the user out everywhere (tokens from before the move included), or everywhere else when `keepSid` names the caller's session. */
export async function revokeAllSessions(d: Deps, userId: number, keepSid: string | undefined): Promise<number> {
  const count = await revokeAllUserSessions(d.db, userId, "logout_all", new Date(), keepSid);
  d.securityEvent("session.revoked", { userId, detail: { reason: "logout_all", count, kept_current: Boolean(keepSid) } });
  return count;
}
