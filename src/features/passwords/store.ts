import { eq, sql } from "drizzle-orm";
import { memo } from "../../kernel/memo";
import type { Db } from "../../kernel/storage";
import { commonPasswords } from "./schema";

const lookup = memo((db: Db) =>
  db
    .select({ found: sql<number>`1` })
    .from(commonPasswords)
    .where(eq(commonPasswords.password, sql.placeholder("candidate")))
    .prepare(),
);

/** Whether `candidate` (already lowercased and stripped, as Django compares) is on the list. */
export async function isCommonPassword(db: Db, candidate: string): Promise<boolean> {
  return (await lookup(db).get({ candidate })) !== undefined;
}
