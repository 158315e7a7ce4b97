import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { users } from "../users";

const now = sql`(cast(unixepoch('subsec') * 1000 as integer))`;

/**
 * One provider sign-in or link attempt between start and callback (10 minutes), by the
 * SHA-256 of its `state` only: the state itself travels in the browser. The callback spends
 * the row by deleting it (DELETE ... RETURNING), so of two uses of one state exactly one
 * finds it. `nonce` and `verifier` are kept as they are: the worker must send them on.
 */
export const oidcAttempts = sqliteTable(
  "oidc_attempts",
  {
    stateHash: text("state_hash").primaryKey(),
    provider: text("provider").notNull(),
    nonce: text("nonce").notNull(),
    /** The worker's own PKCE verifier with the provider (never the front end's). */
    verifier: text("verifier").notNull(),
    /** The front end's URL the callback redirects to (one of SOCIAL_REDIRECT_URLS). */
    redirectUri: text("redirect_uri").notNull(),
    /** The front end's S256 challenge, bound to the app code the callback issues. */
    challenge: text("challenge").notNull(),
    tc: integer("tc", { mode: "boolean" }).notNull().default(false),
    /** Set for a link attempt: the user whose session started it. */
    linkUserId: integer("link_user_id").references(() => users.id, { onDelete: "cascade" }),
    /** For a link: users.credentials_version at start; a credentials change since kills the attempt. */
    credentialsVersion: integer("credentials_version"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("oidc_attempts_expires_idx").on(t.expiresAt), index("oidc_attempts_link_user_idx").on(t.linkUserId)],
);

/**
 * The one-time code the callback hands the front end (60 s), by its SHA-256 only, bound to the
 * front end's PKCE challenge. It carries the callback's result: for a sign-in the user it
 * resolved to, for a link the linking user and the provider's identity claims. Spent by its
 * first use, right or wrong (DELETE ... RETURNING).
 */
export const oidcAppCodes = sqliteTable(
  "oidc_app_codes",
  {
    codeHash: text("code_hash").primaryKey(),
    purpose: text("purpose", { enum: ["sign_in", "link"] }).notNull(),
    challenge: text("challenge").notNull(),
    userId: integer("user_id").references(() => users.id, { onDelete: "cascade" }),
    provider: text("provider").notNull(),
    subject: text("subject").notNull(),
    email: text("email"),
    emailVerified: integer("email_verified", { mode: "boolean" }).notNull().default(false),
    name: text("name"),
    /** For a link: users.credentials_version at start, compared again when the code is redeemed. */
    credentialsVersion: integer("credentials_version"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("oidc_app_codes_expires_idx").on(t.expiresAt)],
);

/** A user's linked provider identities: (provider, subject) names at most one user. */
export const identities = sqliteTable(
  "identities",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    provider: text("provider").notNull(),
    subject: text("subject").notNull(),
    email: text("email"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull().default(now),
    lastLogin: integer("last_login", { mode: "timestamp_ms" }),
  },
  (t) => [uniqueIndex("identities_provider_subject_unique").on(t.provider, t.subject), index("identities_user_idx").on(t.userId)],
);

export type OidcAttempt = typeof oidcAttempts.$inferSelect;
export type OidcAppCode = typeof oidcAppCodes.$inferSelect;
export type Identity = typeof identities.$inferSelect;
