import type { Deps } from "../../kernel/deps";
import { isSupportedHash } from "../passwords";
import { findUserById, type User } from "../users";
import { lastWayIn } from "./messages";

/** Whether the account holds a hash the worker can verify (the profile's has_password). */
export function hasPassword(user: Pick<User, "password">): boolean {
  return isSupportedHash(user.password);
}

/** A way to sign in that a capability offers (identities, passkeys, the e-mail address): how many a user has. */
interface WayIn {
  name: string;
  count(d: Deps, userId: number): Promise<number>;
}

const ways: WayIn[] = [];

/** Called from a way-in capability's index.ts at load. */
export function registerWayIn(way: WayIn): void {
  if (ways.some((w) => w.name === way.name)) throw new Error(`way in ${way.name} is registered twice`);
  ways.push(way);
}

/**
 * Refuses a removal that would leave the user no way to sign in. The password counts when
 * it can be checked; the others are counted by their capabilities, all read at once.
 */
export async function assertNotLastWayIn(d: Deps, userId: number, removing = 1): Promise<void> {
  const [user, ...counts] = await Promise.all([findUserById(d.db, userId), ...ways.map((w) => w.count(d, userId))]);
  const total = (user && hasPassword(user) ? 1 : 0) + counts.reduce((a, b) => a + b, 0);
  if (total - removing < 1) throw lastWayIn();
}
