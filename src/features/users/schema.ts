import { sql } from "drizzle-orm";
import { integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

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
    // Tokens without a session id (minted by simplejwt before the move) issued before this are dead (account/credentials.ts sets it).
    tokensValidAfter: integer("tokens_valid_after", { mode: "timestamp_ms" }),
    // Moved on by every credentials change (account/credentials.ts); proofs such as mailed links record it and die when it moves.
    credentialsVersion: integer("credentials_version").notNull().default(0),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull().default(now),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull().default(now),
    lastLogin: integer("last_login", { mode: "timestamp_ms" }),
    // A confirmed TOTP factor exists (features/mfa keeps it in step): login reads it from the row it already has.
    mfaEnabled: integer("mfa_enabled", { mode: "boolean" }).notNull().default(false),
    // The address was proved by a mailed link (features/email-address); imported active Django users count as verified.
    emailVerified: integer("email_verified", { mode: "boolean" }).notNull().default(false),
  },
  // lower() on both sides of every lookup: the uniqueness and the search agree on what "same e-mail" means.
  (t) => [uniqueIndex("users_email_ci_unique").on(sql`lower(${t.email})`)],
);

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
