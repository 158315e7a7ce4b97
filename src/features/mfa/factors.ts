import type { Deps } from "../../kernel/deps";
import { decryptSecret, encryptSecret, isUnderOldKey } from "./secrets";
import { consumeRecoveryCode, consumeStep, reencryptSecret } from "./store";
import { looksLikeTotp, matchingStep, recoveryCodeHash } from "./totp";

/** One try at a second factor: whose, for which mfa_token (none: a bearer operation), with what the request sent. */
export interface FactorAttempt {
  userId: number;
  /** The live mfa_token's challenge (login); undefined for bearer operations (disable, new recovery codes). */
  challenge?: { idHash: string };
  /** The request body's fields (`code`, `recovery_code`, or a factor's own). */
  body: { code?: string; recovery_code?: string; [field: string]: unknown };
  /** The user's TOTP secret as stored, which MFA has already read with the challenge or the factor row. */
  totpSecret: string;
}

/**
 * What a factor made of the attempt. `ok` has spent it (a conditional update: of racing
 * requests one wins) and names the access token's amr; `wrong` counts against the token and
 * the account (MFA does the counting); `not_applicable`: the body is not for this factor.
 */
export type FactorResult = { kind: "ok"; amr: string; afterLogin?: (d: Deps) => void } | { kind: "wrong"; field?: string; message?: string } | { kind: "not_applicable" };

export interface SecondFactor {
  name: string;
  verify(d: Deps, attempt: FactorAttempt): Promise<FactorResult>;
  /** What it adds to GET /api/user/mfa/ (e.g. "passkeys": <count>). */
  status?(d: Deps, userId: number): Promise<Record<string, number>>;
}

const totp: SecondFactor = {
  name: "totp",
  async verify(d, { userId, challenge, body, totpSecret }) {
    const code = body.code;
    if (code === undefined || !looksLikeTotp(code)) return { kind: "not_applicable" };
    const now = new Date();
    const secret = await decryptSecret(d.config, userId, totpSecret);
    const step = matchingStep(secret, code, now.getTime());
    if (step === null || !(await consumeStep(d.db, userId, step, now, challenge?.idHash))) return { kind: "wrong" };
    // Rotation: a secret under an older key moves to the current one at its next use.
    const afterLogin = async (d: Deps) => {
      if (await isUnderOldKey(d.config, totpSecret)) d.defer(encryptSecret(d.config, userId, secret).then((fresh) => reencryptSecret(d.db, userId, totpSecret, fresh)));
    };
    return { kind: "ok", amr: "otp", afterLogin: (d) => d.defer(afterLogin(d)) };
  },
};

const recoveryCode: SecondFactor = {
  name: "recovery_code",
  async verify(d, { userId, challenge, body }) {
    const recovery = body.recovery_code ?? body.code ?? "";
    if (!recovery) return { kind: "not_applicable" };
    const spent = await consumeRecoveryCode(d.db, userId, recoveryCodeHash(userId, recovery), new Date(), challenge?.idHash);
    return spent ? { kind: "ok", amr: "recovery_code" } : { kind: "wrong" };
  },
};

/** TOTP and recovery codes first; another capability adds its factor with registerSecondFactor. */
const factors: SecondFactor[] = [totp, recoveryCode];

/** For a capability with a second factor of its own (e.g. passkeys), called from its index.ts. */
export function registerSecondFactor(factor: SecondFactor): void {
  if (factors.some((f) => f.name === factor.name)) throw new Error(`second factor ${factor.name} is registered twice`);
  factors.push(factor);
}

export const factorStatus = async (d: Deps, userId: number) => Object.assign({}, ...(await Promise.all(factors.map((f) => f.status?.(d, userId)))));

/** The first factor the attempt is for decides; none: a wrong code. */
export async function verifySecondFactor(d: Deps, attempt: FactorAttempt): Promise<FactorResult & { kind: "ok" | "wrong" }> {
  for (const factor of factors) {
    const result = await factor.verify(d, attempt);
    if (result.kind !== "not_applicable") return result;
  }
  return { kind: "wrong" };
}
