import { eq, sql } from "drizzle-orm";
import type { Db } from "./client";
import { commonPasswords } from "./schema";

const prepared = new WeakMap<Db, ReturnType<typeof buildLookup>>();

function buildLookup(db: Db) {
  return db
    .select({ found: sql<number>`1` })
    .from(commonPasswords)
    .where(eq(commonPasswords.password, sql.placeholder("candidate")))
    .prepare();
}

/** Whether `candidate` (already lowercased and stripped, as Django compares) is on the list. */
export async function isCommonPassword(db: Db, candidate: string): Promise<boolean> {
  let q = prepared.get(db);
  if (!q) {
    q = buildLookup(db);
    prepared.set(db, q);
  }
  return (await q.get({ candidate })) !== undefined;
}
