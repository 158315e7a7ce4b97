import type { SecondFactor } from "../mfa";
import { getPasskeyConfig } from "./config";
import { PASSKEY_MSG } from "./messages";
import { finishSecondStep } from "./service";
import { countPasskeys } from "./store";

/**
 * A passkey as the second step of a password or provider login (MFA's registry of second
 * factors): a `credential` in /api/user/mfa/verify/'s body is this factor's. UV is not
 * required (the first factor was the password or the provider). A refusal is a wrong code
 * for MFA's counting (per mfa_token and per account), answered under `credential`.
 */
export const passkeyFactor: SecondFactor = {
  name: "passkey",
  async verify(d, { userId, body }) {
    const config = body.credential === undefined ? null : getPasskeyConfig(d.env);
    if (!config) return { kind: "not_applicable" };
    const result = await finishSecondStep(d, config, userId, body.credential);
    return result.kind === "ok" ? { kind: "ok", amr: "hwk" } : { kind: "wrong", field: "credential", message: PASSKEY_MSG.notVerified };
  },
  // GET /api/user/mfa/: "passkeys": <count> while the capability is on.
  async status(d, userId): Promise<Record<string, number>> {
    return getPasskeyConfig(d.env) ? { passkeys: await countPasskeys(d.db, userId) } : {};
  },
};
