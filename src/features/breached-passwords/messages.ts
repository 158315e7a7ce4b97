/** The contract's wording for breached passwords ("v3, part 2", Breached passwords), word for word. */
export const BREACHED_MSG = {
  breached: "This password has appeared in a data breach. Please choose a different password.",
} as const;
