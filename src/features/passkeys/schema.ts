import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "../users";

/**
 * One row per WebAuthn credential. `credential_id` and `public_key` are base64url text of the
 * raw bytes (the credential id as the JSON forms carry it; the COSE key as the authenticator
 * encoded it), so a lookup is a plain text comparison. `counter` and `backed_up` change with
 * every assertion, by a conditional update on the old counter; `backup_eligible` never changes.
 */
export const passkeys = sqliteTable(
  "passkeys",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    credentialId: text("credential_id").notNull().unique(),
    publicKey: text("public_key").notNull(),
    alg: integer("alg").notNull(),
    counter: integer("counter").notNull().default(0),
    backupEligible: integer("backup_eligible", { mode: "boolean" }).notNull(),
    backedUp: integer("backed_up", { mode: "boolean" }).notNull(),
    transports: text("transports", { mode: "json" }).$type<string[]>().notNull(),
    name: text("name").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    lastUsedAt: integer("last_used_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("passkeys_user_idx").on(t.userId)],
);

/**
 * The user.id of the creation options: 32 random bytes (base64url) fixed per user, since
 * authenticators keep and may sync it; never the user id or e-mail. Sign-in finds the
 * credential by its id and checks the returned userHandle against this.
 */
export const webauthnUserHandles = sqliteTable("webauthn_user_handles", {
  userId: integer("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  handle: text("handle").notNull().unique(),
});

/**
 * Live WebAuthn challenges by the SHA-256 of the challenge: a row is spent (deleted) by the
 * first answer that names it, right or wrong. `user_id` is the ceremony's user for
 * registration and second steps, null for a discoverable sign-in.
 */
export const webauthnCeremonies = sqliteTable(
  "webauthn_ceremonies",
  {
    challengeHash: text("challenge_hash").primaryKey(),
    purpose: text("purpose", { enum: ["register", "signin", "second-step"] }).notNull(),
    userId: integer("user_id").references(() => users.id, { onDelete: "cascade" }),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("webauthn_ceremonies_expiry_idx").on(t.expiresAt)],
);

export type Passkey = typeof passkeys.$inferSelect;
export type CeremonyPurpose = (typeof webauthnCeremonies.$inferSelect)["purpose"];
