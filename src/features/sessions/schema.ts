import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "../account/schema";

/** One row per login: the family every refresh token of that login belongs to. */
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
  },
  (t) => [
    index("sessions_user_idx").on(t.userId, t.revokedAt),
    index("sessions_expires_idx").on(t.expiresAt),
  ],
);

/** Refresh tokens by the SHA-256 of their jti: the database never holds a usable token. */
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
