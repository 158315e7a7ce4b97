import type { Capability } from "../../kernel/capability";
import { deleteExpiredMailLinks } from "./cleanup";

export const mailedLinksCapability = { name: "mailed-links", daily: deleteExpiredMailLinks } satisfies Capability;

// What other capabilities use (they import nothing else from this folder).
export { inspectLink, issueDecoy, issueLink, sendAfterAnswer, spendLink } from "./service";
export type { LinkState } from "./service";
export { markMailTokenUsed, spentBy } from "./store";
