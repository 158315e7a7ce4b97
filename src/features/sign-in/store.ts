import type { Db } from "../../kernel/storage";
import { users, type NewUser, type User } from "../users";

/** Inserts unless the e-mail exists in any letter case (undefined then): the unique index decides races. */
export async function insertUserUnlessTaken(db: Db, values: NewUser): Promise<User | undefined> {
  const rows = await db.insert(users).values(values).onConflictDoNothing().returning();
  return rows[0];
}
