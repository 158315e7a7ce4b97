import type { Deps } from "../../kernel/deps";
import { fieldError } from "../../kernel/errors";
import { breachedPasswordProblem } from "../breached-passwords";
import { passwordProblems, type PasswordOwner } from "./rules";
import { isCommonPassword } from "./store";

/**
 * Every rule a new password of `owner` breaks, in Django's words and order; [] when it passes.
 * Only a password that passes them is looked up in the breach corpus (PWNED_PASSWORDS=on).
 */
export async function newPasswordProblems(d: Deps, password: string, owner: PasswordOwner): Promise<string[]> {
  const problems = await passwordProblems(password, owner, (candidate) => isCommonPassword(d.db, candidate));
  if (problems.length) return problems;
  const breached = await breachedPasswordProblem(d, password);
  return breached ? [breached] : [];
}

/** Throws the rule failures as field errors under `password`, as DRF's serializers report them. */
export async function assertPasswordRules(d: Deps, password: string, owner: PasswordOwner) {
  const problems = await newPasswordProblems(d, password, owner);
  if (problems.length) throw fieldError("password", ...problems);
}
