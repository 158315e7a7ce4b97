import type { Capability } from "../../kernel/capability";
import { deleteEndedFailureWindows } from "./cleanup";

/**
 * Budgets of failures per subject over minutes (wrong current passwords, wrong second factors,
 * wrong e-mail codes), in D1 on the primary: they count only failures and are read without
 * counting, which the platform's rate limiter can do neither of.
 */
export const failureBudgetsCapability = { name: "failure-budgets", daily: deleteEndedFailureWindows } satisfies Capability;

export { assertBudgetLeft, countFailure, resetBudget, type FailureBudget } from "./service";
