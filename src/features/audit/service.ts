import { readCursor, signCursor } from "../../kernel/cursor";
import type { Deps } from "../../kernel/deps";
import { fieldError, unavailable } from "../../kernel/errors";
import { MSG } from "../../kernel/messages";
import type { EventRow } from "./audit-schema";
import type { EventType } from "../../kernel/names";
import type { AuditEvent } from "./audit-event";
import { listEvents } from "./store";

const DEFAULT_PAGE = 50;

function eventView(r: EventRow): AuditEvent {
  let detail = {};
  try {
    detail = JSON.parse(r.detail);
  } catch {
    /* a row written by hand: shown without detail */
  }
  return {
    id: r.id,
    at: r.at.toISOString(),
    type: r.type as EventType,
    user_id: r.userId,
    actor_id: r.actorId,
    session_id: r.sessionId,
    ip: r.ip,
    user_agent: r.userAgent,
    country: r.country,
    detail,
  };
}

/**
 * A page of events, newest first. The cursor is the last id of the page, signed with the
 * query it belongs to (`scope`: whose events, which filters).
 */
async function eventPage(d: Deps, scope: string, q: { userId?: number; type?: string; cursor?: string; limit?: number }) {
  if (!d.auditDb) throw unavailable({ event: "config_invalid", reason: "AUDIT_DB binding is missing" });
  const limit = q.limit ?? DEFAULT_PAGE;
  let beforeId: string | undefined;
  if (q.cursor !== undefined) {
    const position = readCursor(d.config.logKey, scope, q.cursor);
    if (position === null || !/^[0-9a-f]{28}$/.test(position)) throw fieldError("cursor", MSG.invalidCursor);
    beforeId = position;
  }
  const rows = await listEvents(d.auditDb, { userId: q.userId, type: q.type, beforeId, limit });
  const page = rows.slice(0, limit);
  const next = rows.length > limit ? signCursor(d.config.logKey, scope, page.at(-1)!.id) : null;
  return { results: page.map(eventView), next };
}

export const ownEvents = (d: Deps, userId: number, q: { cursor?: string; limit?: number }) =>
  eventPage(d, `events.own\u0000${userId}`, { ...q, userId });

export const allEvents = (d: Deps, q: { user_id?: number; type?: string; cursor?: string; limit?: number }) =>
  eventPage(d, `events.all\u0000${q.user_id ?? ""}\u0000${q.type ?? ""}`, { userId: q.user_id, type: q.type, cursor: q.cursor, limit: q.limit });
