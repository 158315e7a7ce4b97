import type { BatchItem } from "drizzle-orm/batch";
import type { Deps } from "../../kernel/deps";
import { randomToken } from "../../kernel/crypto";
import { normalizeEmail } from "../../kernel/email";
import { readPrimaryFromNowOn } from "../../kernel/storage";
import { findUserByEmail, type User } from "../users";
import { methodDetail, type SignInMethod } from "./service";
import { insertUserUnlessTaken, type NewAccount } from "./store";

const NAME_MAX = 200;

/** Django's unusable password: "!" and 40 random characters, which no hasher ever matches. */
const unusablePassword = () => `!${randomToken(30)}`;

/** A name from outside (a provider's claim, a start body): no control characters, at most 200; else the address's local part. */
function cleanName(name: string | null, email: string): string {
  const clean = (s: string) => [...s.replace(/\p{Cc}/gu, "").trim()].slice(0, NAME_MAX).join("").trim();
  return clean(name ?? "") || clean(email.slice(0, Math.max(0, email.lastIndexOf("@")))) || clean(email);
}

/**
 * A new account without a password, for a provider or an e-mail code that proved the
 * address; the existing account (any letter case) when the address is taken, including by
 * a registration racing this one. `alongside`: what must exist whenever the account does
 * (a provider identity's link), committed in the same batch.
 */
export async function createAccountWithoutPassword(
  d: Deps,
  a: { email: string; name: string | null; tc: boolean; method: SignInMethod; provider?: string },
  alongside?: (account: NewAccount) => BatchItem<"sqlite">,
): Promise<{ kind: "created" | "exists"; user: User }> {
  const email = normalizeEmail(a.email);
  const existing = await findUserByEmail(d.db, email);
  if (existing) return { kind: "exists", user: existing };
  const user = await insertUserUnlessTaken(d.db, { email, name: cleanName(a.name, email), tc: a.tc, password: unusablePassword(), emailVerified: true }, alongside);
  if (user) {
    d.securityEvent("user.registered", { userId: user.id, detail: methodDetail(a) });
    return { kind: "created", user };
  }
  // Lost the race to another insert: the primary has the winner.
  readPrimaryFromNowOn();
  const winner = await findUserByEmail(d.db, email);
  if (!winner) throw new Error("insert refused but no account holds the address");
  return { kind: "exists", user: winner };
}
