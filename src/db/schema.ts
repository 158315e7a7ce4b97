import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

const now = sql`(cast(unixepoch('subsec') * 1000 as integer))`;

/** Accounts. Field names follow the Django model so dumps import one to one. */
export const users = sqliteTable(
  "users",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    email: text("email").notNull(),
    name: text("name").notNull(),
    tc: integer("tc", { mode: "boolean" }).notNull().default(false),
    isActive: integer("is_active", { mode: "boolean" }).notNull().default(true),
    isAdmin: integer("is_admin", { mode: "boolean" }).notNull().default(false),
    password: text("password").notNull(),
    // Bumped by every password change or reset; reset links carry the value they were issued for.
    passwordVersion: integer("password_version").notNull().default(0),
    // Access tokens without a session id (minted by simplejwt before the move) must be newer than this.
    passwordChangedAt: integer("password_changed_at", { mode: "timestamp_ms" }),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull().default(now),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull().default(now),
    lastLogin: integer("last_login", { mode: "timestamp_ms" }),
  },
  // lower() on both sides of every lookup: the uniqueness and the search agree on what "same e-mail" means.
  (t) => [uniqueIndex("users_email_ci_unique").on(sql`lower(${t.email})`)],
);

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

/**
 * Django 3.2's common-password list (CommonPasswordValidator), lowercased and stripped,
 * seeded by a data migration. It lives in D1 rather than in the bundle: it was 40 KiB of
 * the deployed gzip, while a lookup is one indexed read on routes that also hash a password.
 */
export const commonPasswords = sqliteTable("common_passwords", {
  password: text("password").primaryKey(),
});

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
export type Session = typeof sessions.$inferSelect;
export type RefreshTokenRecord = typeof refreshTokens.$inferSelect;
