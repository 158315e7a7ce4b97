import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import { guardD1 } from "./guard";
import * as schema from "./schema";

export type Db = DrizzleD1Database<typeof schema> & { $client: D1Database };

const cache = new WeakMap<D1Database, Db>();

/**
 * One Drizzle instance per D1 binding, made once per isolate, over the guarded binding:
 * a failing or hanging D1 surfaces as a StorageError.
 */
export function getDb(d1: D1Database, timeoutMs = 5000): Db {
  let db = cache.get(d1);
  if (!db) {
    db = drizzle(guardD1(d1, timeoutMs), { schema });
    cache.set(d1, db);
  }
  return db;
}
