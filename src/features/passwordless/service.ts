import { randomToken, sha256Hex } from "../../kernel/crypto";
import type { Deps } from "../../kernel/deps";
import { normalizeEmail } from "../../kernel/email";
import { fieldError, nonFieldError } from "../../kernel/errors";
import { assertBudgetLeft, countFailure, type FailureBudget } from "../failure-budgets";
import { sendAfterAnswer } from "../mailed-links";
import { createAccountWithoutPassword, signIn, type SignInResult } from "../sign-in";
import { findUserByEmail } from "../users";
import { signInMail } from "./mail";
import { PASSWORDLESS_MSG } from "./messages";
import type { EmailChallenge } from "./schema";
import { countWrongAnswer, findLiveChallenge, markEmailVerified, saveChallenge, spendChallenge } from "./store";

export type PasswordlessMode = "login" | "signup";

/** A challenge lives 10 minutes. */
const CHALLENGE_TTL_S = 600;
const WINDOW_MS = 15 * 60_000;
/** At most 5 challenges per address per 15 minutes (every start counts: it is not a failure, but the same count). */
const START_BUDGET: FailureBudget = { kind: "passwordless_start", limit: 5, windowMs: WINDOW_MS };
/**
 * Wrong answers per address across all its challenges: asking for a new code does not reset
 * it (better-auth#11162), and nothing but the window's end does, not even a right answer.
 */
const VERIFY_BUDGET: FailureBudget = { kind: "passwordless_verify", limit: 10, windowMs: WINDOW_MS };

/** 8 decimal digits, uniform: a 32-bit draw outside the largest multiple of 10^8 is drawn again. */
function newCode(): string {
  const ceiling = Math.floor(2 ** 32 / 1e8) * 1e8;
  const word = new Uint32Array(1);
  for (;;) {
    crypto.getRandomValues(word);
    if (word[0]! < ceiling) return String(word[0]! % 1e8).padStart(8, "0");
  }
}

const codeHashOf = (challengeId: string, code: string) => sha256Hex(`${challengeId}:${code}`);

/**
 * Starts a challenge for `email`: the same D1 work (one read, one budget count, one batch)
 * and the same answer whether a mail goes or not; the mail leaves after the answer. A mail
 * goes to an active account, and under `signup` to an address without one.
 */
export async function startChallenge(d: Deps, mode: PasswordlessMode, base: string, req: { email: string; name?: string; tc?: boolean }): Promise<string> {
  d.mailer(); // 503 before anything is stored, for every address alike
  const address = normalizeEmail(req.email);
  const email = address.toLowerCase();
  // Counted before anything else, for every address alike; the 6th start reads the window for its 429.
  if ((await countFailure(d, START_BUDGET, email)) > START_BUDGET.limit) await assertBudgetLeft(d, START_BUDGET, email);
  const user = await findUserByEmail(d.db, address);
  const challengeId = randomToken(18);
  const code = newCode();
  const token = randomToken(32);
  const now = new Date();
  await saveChallenge(d.db, {
    idHash: sha256Hex(challengeId),
    codeHash: codeHashOf(challengeId, code),
    tokenHash: sha256Hex(token),
    email,
    address,
    userId: user?.id ?? null,
    credentialsVersion: user?.credentialsVersion ?? null,
    // Kept only for a sign-up at verify: never written into the mail.
    name: user ? null : (req.name ?? null),
    tc: user ? false : req.tc === true,
    createdAt: now,
    expiresAt: new Date(now.getTime() + CHALLENGE_TTL_S * 1000),
  });
  const mailed = user ? user.isActive : mode === "signup";
  d.log.event("passwordless_started", { email: d.log.emailRef(email), user_id: user?.id ?? null, mailed });
  if (mailed) {
    const to = user?.email ?? address;
    const link = `${base}/${challengeId}/${token}/`;
    sendAfterAnswer(d, "passwordless", user?.id ?? null, [() => signInMail(to, code, link, CHALLENGE_TTL_S)]);
  }
  return challengeId;
}

type Answer = { code: unknown } | { token: unknown };

const invalidChallenge = () => nonFieldError(PASSWORDLESS_MSG.invalidChallenge);

/**
 * Answers a challenge with its code or its link's token. Values of any shape are looked up
 * as given: whatever does not match is a wrong answer (or an unknown challenge), never a
 * shape error. Order: a live challenge, then the address's budget (429 for the right answer
 * too once it is spent), then the answer.
 */
export async function verifyChallenge(d: Deps, mode: PasswordlessMode, challengeId: unknown, answer: Answer): Promise<SignInResult> {
  const id = asText(challengeId);
  const now = new Date();
  const found = id === null ? undefined : await findLiveChallenge(d.db, sha256Hex(id), now);
  if (!found || id === null) throw invalidChallenge();
  await assertBudgetLeft(d, VERIFY_BUDGET, found.email);

  const field = "code" in answer ? "code" : "token";
  const given = asText("code" in answer ? answer.code : answer.token);
  const right = given !== null && (field === "code" ? codeHashOf(id, given) === found.codeHash : sha256Hex(given) === found.tokenHash);
  if (!right) {
    // Only a wrong answer to a live challenge counts, once per answer, on both counts.
    if (await countWrongAnswer(d.db, found.idHash, now)) await countFailure(d, VERIFY_BUDGET, found.email);
    d.log.event("passwordless_wrong_answer", { user_id: found.userId, email: d.log.emailRef(found.email), failures: found.failures + 1 });
    throw fieldError(field, PASSWORDLESS_MSG.invalidCode);
  }
  return signInWith(d, mode, found, now);
}

async function signInWith(d: Deps, mode: PasswordlessMode, c: EmailChallenge, now: Date): Promise<SignInResult> {
  let user = await findUserByEmail(d.db, c.address);
  // An account the challenge did not know of (or a new one with the same address) has no
  // credentials version recorded: it is checked as of now.
  const known = user && c.userId === user.id ? c : { ...c, userId: null, credentialsVersion: null };
  if (!user && (mode !== "signup" || c.userId !== null)) throw invalidChallenge();
  if (!user && !c.tc) throw fieldError("tc", PASSWORDLESS_MSG.tcRequired);
  if (user && !user.isActive) throw invalidChallenge();
  if (!(await spendChallenge(d.db, known, now))) throw invalidChallenge();
  if (!user) {
    user = (await createAccountWithoutPassword(d, { email: c.address, name: c.name, tc: c.tc, method: "email" })).user;
  } else if (!user.emailVerified) {
    await markEmailVerified(d.db, user.id);
    user = { ...user, emailVerified: true };
  }
  const result = await signIn(d, user, { method: "email" });
  if (result.kind === "inactive") throw invalidChallenge();
  return result;
}

/** A string as given; any other JSON value cannot name a challenge or answer one. */
function asText(v: unknown): string | null {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return null;
}
