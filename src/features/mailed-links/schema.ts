import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "../users";

/**
 * Mailed one-time links (verification, e-mail change, password reset; later magic links),
 * by the SHA-256 of their token only: the token itself lives only in the mail.
 *
 * - `email`: the account's address when the link was issued. A link works only while the
 *   user still has it, so a link for an address the user no longer has is dead.
 * - `new_email`: for an e-mail change, the address the link was sent to and will set.
 * - `password_version`, `credentials_version`: the user's versions when the link was issued. A
 *   link dies when the one its purpose is bound to moves (see `boundTo` in store.ts).
 * - `claim`: a random value written by the one conditional UPDATE that spends the link;
 *   the dependent write in the same D1 batch applies only where it sees its own claim.
 *
 * A newer link of the same (user, purpose) deletes the older ones in the batch that
 * inserts it. Rows past `expires_at` are dead whatever else they say; the daily cleanup
 * removes them.
 */
export const mailTokens = sqliteTable(
  "mail_tokens",
  {
    tokenHash: text("token_hash").primaryKey(),
    purpose: text("purpose", { enum: ["verify_email", "change_email", "password_reset"] }).notNull(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    email: text("email").notNull(),
    newEmail: text("new_email"),
    passwordVersion: integer("password_version"),
    credentialsVersion: integer("credentials_version"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    usedAt: integer("used_at", { mode: "timestamp_ms" }),
    claim: text("claim"),
  },
  (t) => [index("mail_tokens_user_purpose_idx").on(t.userId, t.purpose), index("mail_tokens_expires_idx").on(t.expiresAt)],
);

export type MailToken = typeof mailTokens.$inferSelect;
export type MailPurpose = MailToken["purpose"];
