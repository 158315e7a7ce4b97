import type { Deps } from "../../kernel/deps";
import { unavailable } from "../../kernel/errors";
import { readPrimaryFromNowOn } from "../../kernel/storage";
import { MFA_MSG, startMfaLogin } from "../mfa";
import { openSession, SESSION_MSG, type TokenPair } from "../sessions";
import { findUserById, touchLastLoginStatement, type User } from "../users";

/** How a session was signed into; becomes detail.method of events and the first amr entry. */
export type SignInMethod = "password" | "oidc" | "passkey" | "email";

/** RFC 8176 names: the first entry of a session's amr. */
const AMR: Record<SignInMethod, string> = { password: "pwd", oidc: "fed", passkey: "hwk", email: "email" };
const amrOf = (method: SignInMethod) => AMR[method];

/** The login answer, for every way in. */
export type SignInResult = { kind: "session"; pair: TokenPair; sessionId: string } | { kind: "mfa"; challenge: { mfaToken: string } };

interface SignInHow {
  method: SignInMethod;
  provider?: string;
  /** false: this way in is complete by itself (a passkey), never followed by an MFA step. */
  secondStep?: boolean;
}

/**
 * Opens a session for `user`, or an MFA challenge when the user has TOTP on; an inactive
 * user gets nothing. The user row may come from a replica: the session insert is conditional
 * on the primary's state (active, password version, MFA), and when it refuses, the primary's
 * row decides once more.
 */
export async function signIn(d: Deps, user: User, how: SignInHow): Promise<SignInResult | { kind: "inactive" }> {
  let current: User | undefined = user;
  for (let attempt = 0; attempt < 2; attempt++) {
    if (!current?.isActive) return { kind: "inactive" };
    if (current.mfaEnabled && how.secondStep !== false) {
      return { kind: "mfa", challenge: await startMfaLogin(d, current, [], { method: how.method, amr: [amrOf(how.method)], provider: how.provider }) };
    }
    const extra = d.config.UPDATE_LAST_LOGIN ? [touchLastLoginStatement(d.db, current.id, new Date())] : [];
    const opened = await openSession(d, current, extra, [amrOf(how.method)]);
    if (opened) {
      d.securityEvent("login.succeeded", { userId: current.id, sessionId: opened.sessionId, detail: methodDetail(how) });
      return { kind: "session", ...opened };
    }
    readPrimaryFromNowOn();
    current = await findUserById(d.db, user.id);
  }
  // The account changed twice while signing in (a reset racing the login): let the client retry.
  throw unavailable({ reason: "sign_in_raced_credentials_change" });
}

/** detail of login and registration events: the method and, for a provider, its name. */
export const methodDetail = (how: { method: SignInMethod; provider?: string }) => ({ method: how.method, ...(how.provider ? { provider: how.provider } : {}) });

type LoginAnswer =
  | { token: TokenPair; msg: typeof SESSION_MSG.loggedIn }
  | { mfa_required: true; mfa_token: string; msg: typeof MFA_MSG.required };

/** The JSON of the login answer, word for word as /api/user/login/ answers (200). */
export function loginAnswerBody(r: SignInResult): LoginAnswer {
  if (r.kind === "mfa") return { mfa_required: true, mfa_token: r.challenge.mfaToken, msg: MFA_MSG.required };
  return { token: { refresh: r.pair.refresh, access: r.pair.access }, msg: SESSION_MSG.loggedIn };
}
