import type { Deps } from "../../kernel/deps";
import { notifySecurityChange, createAccountWithoutPassword, loginAnswerBody, signIn } from "../sign-in";
import { findUserByEmail, findUserById, type User } from "../users";
import { oidcSettings } from "./config";
import { invalidAppCode } from "./messages";
import type { Identity } from "./schema";
import { completeCallback, issueAppCode, redeemAppCode, type AppCodePurpose, type IdentityResult } from "./service";
import { findIdentity, linkIdentity, linkNewAccount, touchIdentityLogin } from "./store";

/**
 * The account side of provider sign-in (CONTRACT "Social and OIDC sign-in"): which user an
 * identity stands for, and what the front end's one-time code turns into. An identity is never
 * linked because its e-mail matches an account: that is how provider sign-in becomes a takeover.
 */

/** The codes the callback sends the front end in `?error=`, besides the protocol's own. */
type AccountRefusal = "account_disabled" | "email_not_verified" | "link_required" | "terms_required" | "identity_in_use";

export type CallbackOutcome = { kind: "invalid_state" } | { kind: "redirect"; location: string };

// Good enough to refuse what is not an address at all; the provider proved the rest.
const LOOKS_LIKE_EMAIL = /^[^\s@]+@[^\s@]+$/;

/** The provider's answer at the callback: the 400 page, or where to send the browser (a code or an error, never a token). */
export async function finishCallback(d: Deps, providerName: string, params: URLSearchParams): Promise<CallbackOutcome> {
  const result = await completeCallback(d.db, oidcSettings(d.env), providerName, params);
  if (result.kind === "invalid_state") return result;
  const back = (q: Record<string, string>) => ({ kind: "redirect" as const, location: withQuery(result.attempt.redirectUri, q) });
  if (result.kind === "error") return back({ error: result.code });
  const resolved = result.attempt.linkUserId !== null ? await resolveLink(d, result) : await resolveSignIn(d, result);
  if (typeof resolved === "string") {
    d.log.event("oidc_callback_refused", { provider: providerName, reason: resolved });
    return back({ error: resolved });
  }
  const code = await issueAppCode(d.db, { ...resolved, challenge: result.attempt.challenge, identity: result, credentialsVersion: result.attempt.credentialsVersion });
  return back({ code });
}

/** `&` when the front end's URL already has a query; a fragment stays last. */
function withQuery(uri: string, q: Record<string, string>): string {
  const hash = uri.indexOf("#");
  const [base, fragment] = hash < 0 ? [uri, ""] : [uri.slice(0, hash), uri.slice(hash)];
  return `${base}${base.includes("?") ? "&" : "?"}${new URLSearchParams(q)}${fragment}`;
}

type Resolved = { purpose: AppCodePurpose; userId: number };

async function resolveSignIn(d: Deps, r: IdentityResult): Promise<Resolved | AccountRefusal> {
  const linked = await findIdentity(d.db, r.provider, r.sub);
  if (linked) return signInAs(d, r, linked.userId);
  if (!r.emailVerified || !r.email || !LOOKS_LIKE_EMAIL.test(r.email)) return "email_not_verified";
  // Any letter case, as at login. Never linked here: the user signs in another way and links.
  const holder = await findUserByEmail(d.db, r.email);
  if (holder) return linkedMeanwhile(d, r, holder.id);
  if (!r.attempt.tc) return "terms_required";
  // The account and its link commit together: the same identity's sign-up in another tab
  // sees both or neither, never an account it must not link (link_required).
  const link = { provider: r.provider, subject: r.sub, email: r.email };
  const made = await createAccountWithoutPassword(d, { email: r.email, name: r.name, tc: true, method: "oidc", provider: r.provider }, (account) => linkNewAccount(d.db, account, link));
  // A registration of the same address won the race: still never linked automatically.
  if (made.kind === "exists") return linkedMeanwhile(d, r, made.user.id);
  const identity = await findIdentity(d.db, r.provider, r.sub);
  if (identity?.userId === made.user.id) {
    d.securityEvent("identity.linked", { userId: made.user.id, detail: { provider: r.provider } });
    return { purpose: "sign_in", userId: made.user.id };
  }
  // Linked to another account in between (a link flow): that account is the identity's.
  return identity ? signInAs(d, r, identity.userId) : "link_required";
}

async function signInAs(d: Deps, r: IdentityResult, userId: number): Promise<Resolved | AccountRefusal> {
  const user = await findUserById(d.db, userId);
  if (user?.isActive) return { purpose: "sign_in", userId: user.id };
  if (user) refusedFor(d, r, user.id, "inactive");
  return "account_disabled";
}

/**
 * The address is taken (by `holderId`). Only if this very identity was linked since the first
 * look (the same person's sign-up in another tab won the race) does it sign in; otherwise
 * link_required, and the account's audit log shows that a provider tried its address.
 */
async function linkedMeanwhile(d: Deps, r: IdentityResult, holderId: number): Promise<Resolved | AccountRefusal> {
  const linked = await findIdentity(d.db, r.provider, r.sub);
  if (linked) return signInAs(d, r, linked.userId);
  refusedFor(d, r, holderId, "link_required");
  return "link_required";
}

/** A provider sign-in refused for a known account: its login.failed, as a password login's. */
const refusedFor = (d: Deps, r: IdentityResult, userId: number, reason: "inactive" | "link_required") =>
  d.securityEvent("login.failed", { userId, detail: { method: "oidc", provider: r.provider, reason } });

async function resolveLink(d: Deps, r: IdentityResult): Promise<Resolved | AccountRefusal> {
  const linked = await findIdentity(d.db, r.provider, r.sub);
  // The e-mail claims do not matter for a link: the signed-in user vouches for the account.
  if (linked && linked.userId !== r.attempt.linkUserId) return "identity_in_use";
  return { purpose: "link", userId: r.attempt.linkUserId! };
}

/** POST /api/auth/oidc/token/: the login answer for a sign-in code and the front end's verifier. */
export async function signInWithAppCode(d: Deps, code: string, verifier: string) {
  const row = await redeemAppCode(d.db, code, verifier, "sign_in");
  if (!row?.userId) throw invalidAppCode();
  // Unlinked or relinked in the code's 60 s: the code no longer stands for this user.
  const identity = await findIdentity(d.db, row.provider, row.subject);
  const user = identity?.userId === row.userId ? await findUserById(d.db, row.userId) : undefined;
  if (!identity || !user) throw invalidAppCode();
  const result = await signIn(d, user, { method: "oidc", provider: row.provider });
  if (result.kind === "inactive") throw invalidAppCode();
  await touchIdentityLogin(d.db, identity.id, new Date());
  return loginAnswerBody(result);
}

/**
 * POST /api/user/identities/: a link completes only with the code of a link attempt this user
 * started, before any credentials change since (a password change or logout-all kills it).
 */
export async function linkWithAppCode(d: Deps, user: User, sessionId: string | undefined, code: string, verifier: string) {
  const row = await redeemAppCode(d.db, code, verifier, "link");
  if (!row || row.userId !== user.id || row.credentialsVersion !== user.credentialsVersion) throw invalidAppCode();
  const { identity, created } = await linkIdentity(d.db, { userId: user.id, provider: row.provider, subject: row.subject, email: row.email });
  // Linked to someone else after the callback looked: refused as any other dead code.
  if (identity.userId !== user.id) throw invalidAppCode();
  if (created) {
    d.securityEvent("identity.linked", { userId: user.id, sessionId, detail: { provider: row.provider } });
    notifySecurityChange(d, user, "identity_linked");
  }
  return identityJson(identity);
}

export const identityJson = (i: Identity) => ({
  id: i.id,
  provider: i.provider,
  email: i.email,
  created_at: i.createdAt.toISOString(),
  last_login: i.lastLogin?.toISOString() ?? null,
});
