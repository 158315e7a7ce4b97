import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "../users";

/**
 * One TOTP factor per user. `secret` is the AES-GCM ciphertext of the 20 raw secret bytes
 * ("v1.<key id>.<iv>.<ciphertext>", see crypto.ts), never the secret itself. A row with
 * `confirmed_at` null is a pending setup; users.mfa_enabled mirrors "confirmed" and is
 * written in the same batch. `last_used_step` is the last accepted TOTP time step: the
 * conditional update on it decides replays.
 */
export const mfaFactors = sqliteTable("mfa_factors", {
  userId: integer("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  secret: text("secret").notNull(),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  confirmedAt: integer("confirmed_at", { mode: "timestamp_ms" }),
  lastUsedStep: integer("last_used_step"),
});

/** Recovery codes by their SHA-256 only; `used_at` is set once, by the conditional update that consumes the code. */
export const mfaRecoveryCodes = sqliteTable(
  "mfa_recovery_codes",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    codeHash: text("code_hash").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    usedAt: integer("used_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("mfa_recovery_codes_user_idx").on(t.userId, t.codeHash)],
);

/**
 * The second step of a login: an `mfa_token` by the SHA-256 of its value, bound to its
 * user. Live while not spent, not expired and with fewer than 5 failures; every change
 * to it is a conditional update, so D1 decides races.
 */
export const mfaChallenges = sqliteTable(
  "mfa_challenges",
  {
    idHash: text("id_hash").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    failures: integer("failures").notNull().default(0),
    // users.password_version when the password was checked: a reset or change in between kills the challenge.
    passwordVersion: integer("password_version").notNull(),
    spentAt: integer("spent_at", { mode: "timestamp_ms" }),
    // The first step that led here (sign-in method, its amr, the provider): the second step appends its factor.
    method: text("method").notNull().default("password"),
    amr: text("amr").notNull().default('["pwd"]'),
    provider: text("provider"),
  },
  (t) => [index("mfa_challenges_user_idx").on(t.userId, t.expiresAt)],
);

export type MfaFactor = typeof mfaFactors.$inferSelect;
