import { nonFieldError } from "../../kernel/errors";

/** The common rules' wording (CONTRACT v3 part 2), word for word. */
const SIGN_IN_MSG = {
  lastWayIn: "You cannot remove your last way to sign in.",
} as const;

export const lastWayIn = () => nonFieldError(SIGN_IN_MSG.lastWayIn);
