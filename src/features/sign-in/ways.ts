import { sql, type SQL } from "drizzle-orm";
import type { Deps } from "../../kernel/deps";
import { isSupportedHash } from "../passwords";
import type { User } from "../users";

/** Whether the account holds a hash the worker can verify (the profile's has_password). */
export function hasPassword(user: Pick<User, "password">): boolean {
  return isSupportedHash(user.password);
}

/**
 * A way to sign in that a capability offers, and how many a user has: as SQL for ways kept as
 * rows (identities, passkeys), read by a removal's DELETE itself; or counted now for the
 * others (the e-mail address while passwordless is on).
 */
type WayIn = { name: string } & ({ rows(userId: number): SQL } | { count(d: Deps, userId: number): Promise<number> });

const ways: WayIn[] = [];

/** Called from a way-in capability's index.ts at load. */
export function registerWayIn(way: WayIn): void {
  if (ways.some((w) => w.name === way.name)) throw new Error(`way in ${way.name} is registered twice`);
  ways.push(way);
}

/**
 * The condition a removal's DELETE carries: the user keeps a way in after it, counted by the
 * DELETE itself (its own row still counts, hence > 1), so two removals at once, of a passkey
 * and an identity or two of either, cannot both take the last two. Ways that are not rows (the
 * password, the address under passwordless) are counted here, the password from the row the
 * caller already holds (the authenticated user): no removal route takes them.
 */
export async function keepsAWayIn(d: Deps, user: Pick<User, "id" | "password">): Promise<SQL> {
  const counts = await Promise.all(ways.map((w) => ("count" in w ? w.count(d, user.id) : 0)));
  const fixed = (hasPassword(user) ? 1 : 0) + counts.reduce((a, b) => a + b, 0);
  const rows = ways.flatMap((w) => ("rows" in w ? [w.rows(user.id)] : []));
  return sql`(${sql.join([sql`${fixed}`, ...rows], sql` + `)}) > 1`;
}
