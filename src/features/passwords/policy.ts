import type { Deps } from "../../kernel/deps";
import { fieldError } from "../../kernel/errors";
import { passwordProblems, type PasswordOwner } from "./rules";
import { isCommonPassword } from "./store";

/** Every rule a new password of `owner` breaks, in Django's words and order; [] when it passes. */
export function newPasswordProblems(d: Deps, password: string, owner: PasswordOwner): Promise<string[]> {
  return passwordProblems(password, owner, (candidate) => isCommonPassword(d.db, candidate));
}

/** Throws the rule failures as field errors under `password`, as DRF's serializers report them. */
export async function assertPasswordRules(d: Deps, password: string, owner: PasswordOwner) {
  const problems = await newPasswordProblems(d, password, owner);
  if (problems.length) throw fieldError("password", ...problems);
}
