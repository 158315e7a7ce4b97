import { and, desc, eq, lt, sql } from "drizzle-orm";
import type { Db } from "../../kernel/storage";
import { events, type EventRow } from "./audit-schema";
import type { AuditEvent } from "./audit-event";

/** Idempotent by id: a write retried through the queue after an unseen success adds nothing. */
export async function insertEvent(db: Db, e: AuditEvent): Promise<void> {
  await db
    .insert(events)
    .values({
      id: e.id,
      at: new Date(e.at),
      type: e.type,
      userId: e.user_id,
      actorId: e.actor_id,
      sessionId: e.session_id,
      ip: e.ip,
      userAgent: e.user_agent,
      country: e.country,
      detail: JSON.stringify(e.detail),
    })
    .onConflictDoNothing();
}

export interface EventFilter {
  userId?: number;
  type?: string;
  /** Only events older than this id (the last one of the previous page). */
  beforeId?: string;
  limit: number;
}

/** Newest first; `limit + 1` rows, so the caller knows whether there is a next page. */
export async function listEvents(db: Db, f: EventFilter): Promise<EventRow[]> {
  return db
    .select()
    .from(events)
    .where(
      and(
        f.userId === undefined ? undefined : eq(events.userId, f.userId),
        f.type === undefined ? undefined : eq(events.type, f.type),
        f.beforeId === undefined ? undefined : lt(events.id, f.beforeId),
      ),
    )
    .orderBy(desc(events.id))
    .limit(f.limit + 1)
    .all();
}

/**
 * Deletes up to `limit` events older than `before`: ids begin with their time, so this
 * walks the primary key from its start. Returns how many went.
 */
export async function deleteEventsBefore(db: Db, before: Date, limit: number): Promise<number> {
  const bound = before.getTime().toString(16).padStart(12, "0");
  const res = await db.run(sql`delete from ${events} where ${events.id} in (select ${events.id} from ${events} where ${events.id} < ${bound} order by ${events.id} limit ${limit})`);
  return res.meta.changes ?? 0;
}
