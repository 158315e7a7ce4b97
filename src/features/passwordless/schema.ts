import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "../users";

/**
 * E-mail sign-in challenges (CONTRACT "v3, part 2", Passwordless e-mail). Nothing in a row
 * answers a challenge: `id_hash` is the SHA-256 of the challenge_id, `code_hash` that of
 * "<challenge_id>:<code>" (an 8-digit code is guessable offline; without the id, which lives
 * only in the caller's hands and the mail, it is not), `token_hash` that of the link's token.
 *
 * Every start writes a row, mailed or not (an unknown address under `login`, an inactive
 * account): its code reaches nobody, so it can never be answered, and known and unknown
 * addresses cost the same D1 work.
 *
 * - `email`: normalised, lower case: the subject of the per-address budgets and of "newer kills
 *   older"; `address`: as typed (normalised), for the mail and an account made at verify.
 * - `user_id`, `credentials_version`: the account at start (null for an unknown address);
 *   a credentials change since then kills the challenge.
 * - `name`, `tc`: what a sign-up at verify uses (under `signup`, never mailed).
 * - `failures`: wrong answers to this challenge; the 5th kills it.
 * - `spent_at`: its first right answer; a spent row answers nothing more.
 */
export const emailChallenges = sqliteTable(
  "email_challenges",
  {
    idHash: text("id_hash").primaryKey(),
    codeHash: text("code_hash").notNull(),
    tokenHash: text("token_hash").notNull(),
    email: text("email").notNull(),
    address: text("address").notNull(),
    userId: integer("user_id").references(() => users.id, { onDelete: "cascade" }),
    credentialsVersion: integer("credentials_version"),
    name: text("name"),
    tc: integer("tc", { mode: "boolean" }).notNull().default(false),
    failures: integer("failures").notNull().default(0),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    spentAt: integer("spent_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("email_challenges_email_idx").on(t.email), index("email_challenges_expires_idx").on(t.expiresAt)],
);

export type EmailChallenge = typeof emailChallenges.$inferSelect;
