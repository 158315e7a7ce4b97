import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * The audit log, in its own database (AUDIT_DB; drizzle.audit.config.ts reads this file, the
 * main config does not). `id` starts with the event's time in milliseconds (12 hex digits)
 * followed by 16 random hex digits: ordering by id is ordering by time, so the primary key
 * serves the newest-first pages and the retention cleanup without an index on `at`.
 * No foreign keys: the users live in the other database, and a deleted user's events stay.
 */
export const events = sqliteTable(
  "events",
  {
    id: text("id").primaryKey(),
    at: integer("at", { mode: "timestamp_ms" }).notNull(),
    type: text("type").notNull(),
    userId: integer("user_id"),
    actorId: integer("actor_id"),
    sessionId: text("session_id"),
    ip: text("ip"),
    userAgent: text("user_agent"),
    country: text("country"),
    // JSON object of non-secret facts (reason, method, changed fields); never a password, token or code.
    detail: text("detail").notNull().default("{}"),
  },
  (t) => [index("events_user_idx").on(t.userId, t.id), index("events_type_idx").on(t.type, t.id)],
);

export type EventRow = typeof events.$inferSelect;
