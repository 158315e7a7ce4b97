import type { BatchItem } from "drizzle-orm/batch";
import type { Deps } from "../../kernel/deps";
import { assertCurrentPassword } from "../passwords";
import { touchLastLoginStatement, type User } from "../users";
import { openSession, type TokenPair } from "../sessions";
import { assertSecondFactorBudget, countWrongSecondFactor, rightSecondFactor } from "./guessing";
import { alreadyEnabled, invalidCode, mfaTokenInvalid, noPendingSetup, notEnabled } from "./messages";
import { verifySecondFactor } from "./factors";
import { assertMfaConfigured, decryptSecret, encryptSecret } from "./secrets";
import {
  confirmFactor,
  countUnusedRecoveryCodes,
  createChallenge,
  findFactor,
  findLiveChallenge,
  recordFailure,
  removeMfa,
  replaceRecoveryCodes,
  savePendingFactor,
  spendChallenge,
  type FirstStep,
} from "./store";
import {
  matchingStep,
  mfaTokenHash,
  newMfaToken,
  newRecoveryCode,
  newSecret,
  otpauthUrl,
  qrSvg,
  RECOVERY_CODE_COUNT,
  recoveryCodeHash,
  secretToBase32,
} from "./totp";

/** An mfa_token lives 5 minutes. */
const MFA_TOKEN_LIFETIME_S = 300;

/** What a login answers instead of a pair when the user has MFA. */
export interface MfaChallenge {
  mfaToken: string;
}

export async function mfaStatus(d: Deps, user: User) {
  assertMfaConfigured(d.config);
  const [factor, left] = await Promise.all([findFactor(d.db, user.id), countUnusedRecoveryCodes(d.db, user.id)]);
  return { totp: Boolean(factor?.confirmedAt), recovery_codes_left: factor?.confirmedAt ? left : 0 };
}

/** Step 1 of enrolment: a new secret, pending until confirmed; a new setup replaces a pending one. */
export async function setupTotp(d: Deps, user: User, currentPassword: string, signedInAt?: number) {
  assertMfaConfigured(d.config);
  if (user.mfaEnabled) throw alreadyEnabled();
  await assertCurrentPassword(d, user, currentPassword, signedInAt);
  const secret = newSecret();
  const saved = await savePendingFactor(d.db, user.id, await encryptSecret(d.config, user.id, secret), new Date());
  if (!saved) throw alreadyEnabled();
  const url = otpauthUrl(d.config.MFA_ISSUER, user.email, secret);
  d.log.event("mfa_setup_started", { user_id: user.id });
  return { secret: secretToBase32(secret), otpauth_url: url, qr_svg: qrSvg(url) };
}

function newRecoveryCodes(userId: number) {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  return { codes, hashes: codes.map((c) => recoveryCodeHash(userId, c)) };
}

/**
 * Step 2: a right code from the app enables the factor, answers 10 recovery codes (shown
 * once) and revokes the user's other sessions, all in one batch.
 */
export async function confirmTotp(d: Deps, user: User, sessionId: string | undefined, code: string): Promise<string[]> {
  assertMfaConfigured(d.config);
  const factor = await findFactor(d.db, user.id);
  if (factor?.confirmedAt) throw alreadyEnabled();
  if (!factor) throw noPendingSetup();
  const secret = await decryptSecret(d.config, user.id, factor.secret);
  const now = new Date();
  const step = matchingStep(secret, code, now.getTime());
  if (step === null) throw invalidCode();
  const { codes, hashes } = newRecoveryCodes(user.id);
  const ok = await confirmFactor(d.db, { userId: user.id, secret: factor.secret, step, codeHashes: hashes, now, keepSessionId: sessionId });
  // A concurrent setup replaced the secret, or a racing confirm used the step.
  if (!ok) throw invalidCode();
  d.securityEvent("mfa.enabled", { userId: user.id, sessionId });
  return codes;
}

/**
 * The bearer operations that need the password and a second factor (disable, new recovery
 * codes). Their codes draw on the account's second-factor budget as verify's do: with the
 * password and a stolen session they would otherwise be a code oracle of their own.
 */
async function assertPasswordAndCode(d: Deps, user: User, b: { current_password: string; code: string }, signedInAt: number | undefined) {
  assertMfaConfigured(d.config);
  const factor = await findFactor(d.db, user.id);
  if (!factor?.confirmedAt) throw notEnabled();
  await assertSecondFactorBudget(d, user.id);
  await assertCurrentPassword(d, user, b.current_password, signedInAt);
  const used = await verifySecondFactor(d, { userId: user.id, body: { code: b.code }, totpSecret: factor.secret });
  if (used.kind === "wrong") {
    await countWrongSecondFactor(d, user.id);
    d.securityEvent("mfa.failed", { userId: user.id, detail: { method: "code" } });
    throw invalidCode();
  }
  await rightSecondFactor(d, user.id);
  return used.amr;
}

/** Turns MFA off (password and a code); the user's other sessions are revoked. */
export async function disableMfa(d: Deps, user: User, sessionId: string | undefined, b: { current_password: string; code: string }, signedInAt?: number) {
  const method = await assertPasswordAndCode(d, user, b, signedInAt);
  await removeMfa(d.db, { userId: user.id, now: new Date(), keepSessionId: sessionId, revoke: true });
  d.securityEvent("mfa.disabled", { userId: user.id, sessionId, detail: { method } });
}

/** A fresh set of 10 recovery codes (password and a code); every old code, used or not, stops working. */
export async function regenerateRecoveryCodes(d: Deps, user: User, b: { current_password: string; code: string }, signedInAt?: number): Promise<string[]> {
  const method = await assertPasswordAndCode(d, user, b, signedInAt);
  const { codes, hashes } = newRecoveryCodes(user.id);
  await replaceRecoveryCodes(d.db, user.id, hashes, new Date());
  d.securityEvent("mfa.recovery_codes_renewed", { userId: user.id, detail: { method } });
  return codes;
}

/**
 * A login whose password was right, for a user with MFA: an mfa_token instead of a pair.
 * The work matches openSession's (random id, one D1 batch) so the answer's timing does not
 * tell whether an account has MFA. Without MFA_ENCRYPTION_KEY the login cannot go on: 503.
 */
export async function startMfaLogin(
  d: Deps,
  user: Pick<User, "id" | "passwordVersion">,
  extra: BatchItem<"sqlite">[] = [],
  first: FirstStep = PASSWORD_STEP,
): Promise<MfaChallenge> {
  assertMfaConfigured(d.config);
  const mfaToken = newMfaToken();
  const now = Date.now();
  const expiresAt = new Date(now + MFA_TOKEN_LIFETIME_S * 1000);
  await createChallenge(d.db, { idHash: mfaTokenHash(mfaToken), userId: user.id, passwordVersion: user.passwordVersion, now: new Date(now), expiresAt, first }, extra);
  d.securityEvent("login.mfa_required", { userId: user.id, detail: methodDetail(first) });
  return { mfaToken };
}

/** The first step of a password login. */
const PASSWORD_STEP: FirstStep = { method: "password", amr: ["pwd"] };

const methodDetail = (first: { method: string; provider?: string | null }) => ({ method: first.method, ...(first.provider ? { provider: first.provider } : {}) });

/** The first step's amr as the challenge stored it (a password's for a malformed value). */
function firstAmr(stored: string): string[] {
  try {
    const amr: unknown = JSON.parse(stored);
    if (Array.isArray(amr) && amr.length > 0 && amr.every((m) => typeof m === "string")) return amr as string[];
  } catch {
    /* fall through */
  }
  return PASSWORD_STEP.amr;
}

/** A live mfa_token's challenge (finishMfaLogin checks its user's budget before the code). */
export async function openChallenge(d: Deps, mfaToken: string) {
  assertMfaConfigured(d.config);
  const idHash = mfaTokenHash(mfaToken);
  const challenge = await findLiveChallenge(d.db, idHash, new Date());
  if (!challenge || !challenge.isActive || !challenge.mfaEnabled || !challenge.secret || !challenge.confirmedAt) throw mfaTokenInvalid();
  return {
    idHash,
    userId: challenge.userId,
    passwordVersion: challenge.passwordVersion,
    userCreatedAt: challenge.userCreatedAt,
    secret: challenge.secret,
    first: { method: challenge.method, amr: firstAmr(challenge.amr), provider: challenge.provider },
  };
}
export type OpenChallenge = Awaited<ReturnType<typeof openChallenge>>;

/**
 * The second step of a login: a TOTP code or a recovery code for the mfa_token. A wrong one
 * counts against the token (dead after 5) and the account (SECOND_FACTOR_BUDGET, which
 * answers 429 once spent); a right one spends it, and of racing requests
 * only the one whose conditional update spends it gets the pair. The session's amr is the
 * first step's with the factor appended: ["pwd","otp"], ["fed","recovery_code"], ...
 */
export async function finishMfaLogin(d: Deps, c: OpenChallenge, input: { code?: string; recovery_code?: string }): Promise<TokenPair> {
  await assertSecondFactorBudget(d, c.userId);
  const field = input.code === undefined ? "recovery_code" : "code";
  const used = await verifySecondFactor(d, { userId: c.userId, challenge: { idHash: c.idHash }, body: input, totpSecret: c.secret });
  const now = new Date();
  if (used.kind === "wrong") {
    const [counted] = await Promise.all([recordFailure(d.db, c.idHash, now), countWrongSecondFactor(d, c.userId)]);
    d.securityEvent("mfa.failed", { userId: c.userId, detail: { method: field } });
    if (!counted) throw mfaTokenInvalid();
    throw invalidCode(field);
  }
  if (!(await spendChallenge(d.db, c.idHash, now))) throw mfaTokenInvalid();
  const extra = d.config.UPDATE_LAST_LOGIN ? [touchLastLoginStatement(d.db, c.userId, now)] : [];
  // The challenge carries the password version its password check saw: a reset since then kills it here too.
  const opened = await openSession(d, { id: c.userId, passwordVersion: c.passwordVersion, mfaEnabled: true }, extra, [...c.first.amr, used.amr]);
  if (!opened) throw mfaTokenInvalid();
  d.defer(rightSecondFactor(d, c.userId).catch((err: unknown) => d.log.event("failure_budget_reset_failed", { user_id: c.userId, error: String(err) })));
  used.afterLogin?.(d);
  if (used.amr === "recovery_code") d.securityEvent("mfa.recovery_code_used", { userId: c.userId, sessionId: opened.sessionId });
  d.securityEvent("login.succeeded", { userId: c.userId, sessionId: opened.sessionId, detail: { ...methodDetail(c.first), factor: used.amr } });
  return opened.pair;
}

/**
 * For the admin capability: removes the user's MFA (factor, recovery codes, pending
 * challenges) so they can log in with the password alone and enrol again. Sessions are
 * left alone; the caller decides. Needs no MFA_ENCRYPTION_KEY (nothing is decrypted).
 */
export async function resetMfa(d: Pick<Deps, "db">, userId: number): Promise<boolean> {
  return removeMfa(d.db, { userId, now: new Date(), revoke: false });
}
