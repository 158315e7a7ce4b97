import { sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Django 3.2's common-password list (CommonPasswordValidator), lowercased and stripped,
 * seeded by a data migration. It lives in D1 rather than in the bundle (where it was a large
 * share of the gzip), while a lookup is one indexed read on routes that also hash a password.
 */
export const commonPasswords = sqliteTable("common_passwords", {
  password: text("password").primaryKey(),
});
