import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../../kernel/storage";
import { users, type NewUser, type User } from "../users";

/** What finds the row an insert made, and no other: its address and its random unusable password. */
export type NewAccount = { email: string; password: string };

/**
 * Inserts unless the e-mail exists in any letter case (undefined then): the unique index decides
 * races. `alongside` commits in the same batch, so no one ever sees the account without it.
 */
export async function insertUserUnlessTaken(db: Db, values: NewUser & NewAccount, alongside?: (account: NewAccount) => BatchItem<"sqlite">): Promise<User | undefined> {
  const insert = db.insert(users).values(values).onConflictDoNothing().returning();
  if (!alongside) return (await insert)[0];
  const [rows] = await db.batch([insert, alongside({ email: values.email, password: values.password })]);
  return rows[0];
}
