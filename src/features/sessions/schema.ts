import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "../users";

/**
 * One row per login, whatever the number of refreshes: the live refresh token of a session
 * is its current `generation` (a refresh token carries its session id and generation), so a
 * rotation is one conditional update of this row and nothing is inserted.
 */
export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    lastUsedAt: integer("last_used_at", { mode: "timestamp_ms" }).notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    userAgent: text("user_agent"),
    country: text("country"),
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
    revokedReason: text("revoked_reason"),
    // Wrong current passwords offered by this session's bearer; at the limit the session ends.
    passwordFailures: integer("password_failures").notNull().default(0),
    // The generation of the live refresh token; older ones are retired (reuse detection).
    generation: integer("generation").notNull().default(0),
    // When the current generation replaced the previous one: racing tabs within
    // REFRESH_REUSE_INTERVAL of it get the same successor, later ones are replays.
    rotatedAt: integer("rotated_at", { mode: "timestamp_ms" }),
    // False once a password change ended this session's refreshes (its access token lives out its lifetime).
    refreshable: integer("refreshable", { mode: "boolean" }).notNull().default(true),
    // How the session was signed into (RFC 8176 names, JSON array) and when: every access
    // token of the session carries both, refreshed or not. Null on sessions from before them.
    amr: text("amr"),
    authTime: integer("auth_time", { mode: "timestamp_ms" }),
  },
  (t) => [
    index("sessions_user_idx").on(t.userId, t.revokedAt),
    index("sessions_expires_idx").on(t.expiresAt),
  ],
);

/**
 * Refresh tokens issued before sessions carried their generation (one row per refresh, by
 * the SHA-256 of the jti). Only read and retired now, never inserted: they keep working until
 * they expire, and the daily cleanup empties the table.
 */
export const refreshTokens = sqliteTable(
  "refresh_tokens",
  {
    jtiHash: text("jti_hash").primaryKey(),
    sessionId: text("session_id")
      .notNull()
      .references(() => sessions.id, { onDelete: "cascade" }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    issuedAt: integer("issued_at", { mode: "timestamp_ms" }).notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    // Set once, by the refresh that retired this token; later presentations are replays.
    rotatedAt: integer("rotated_at", { mode: "timestamp_ms" }),
  },
  (t) => [
    index("refresh_tokens_session_idx").on(t.sessionId),
    index("refresh_tokens_expires_idx").on(t.expiresAt),
  ],
);

export type Session = typeof sessions.$inferSelect;
export type RefreshTokenRecord = typeof refreshTokens.$inferSelect;
