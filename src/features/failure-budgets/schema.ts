import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Failures counted over a fixed window per (kind, subject): wrong current passwords per
 * account, wrong second factors per account, later wrong e-mail codes per address. Workers
 * Rate Limiting cannot hold these: it counts every call, only over 10 or 60 s, and cannot be
 * read without counting. One row per (kind, subject), rewritten in place when a window ends.
 */
export const failureBudgets = sqliteTable(
  "failure_budgets",
  {
    kind: text("kind").notNull(),
    subject: text("subject").notNull(),
    windowStart: integer("window_start", { mode: "timestamp_ms" }).notNull(),
    failures: integer("failures").notNull(),
  },
  (t) => [primaryKey({ columns: [t.kind, t.subject] })],
);
