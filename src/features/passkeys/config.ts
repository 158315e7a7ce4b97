import { getConfig, missingConfig, type Env } from "../../kernel/config";
import { memo } from "../../kernel/memo";

/** The relying party: who the passkeys are for, and the pages allowed to ask for them. */
export interface PasskeyConfig {
  /** WEBAUTHN_RP_ID, lower case: the domain every credential is scoped to (its SHA-256 is in authenticatorData). */
  rpId: string;
  rpName: string;
  /** WEBAUTHN_ORIGINS: compared exactly with clientDataJSON.origin. */
  origins: string[];
}

// A registrable domain name or "localhost": an IP address is not a valid RP ID (browsers refuse it).
const LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
const DOMAIN = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*$`);
const isValidRpId = (id: string) => DOMAIN.test(id) && !/^[0-9]+$/.test(id.split(".").at(-1)!);

const text = (env: Env, name: string) => (typeof env[name] === "string" ? (env[name] as string).trim() : "");

/** Why `origin` cannot be one of the RP's origins, or null when it can. */
function originProblem(origin: string, rpId: string): string | null {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return "is not a URL";
  }
  // An origin is scheme://host[:port] only, written the way browsers serialise it into clientDataJSON.
  if (url.origin !== origin) return `must be written exactly as an origin (${url.origin})`;
  const secure = url.protocol === "https:" || (url.protocol === "http:" && url.hostname === "localhost");
  if (!secure) return "must be https:// (or http://localhost)";
  if (url.hostname !== rpId && !url.hostname.endsWith(`.${rpId}`)) return `is not ${rpId} or under it`;
  return null;
}

function build(env: Env): PasskeyConfig | null {
  const rawId = text(env, "WEBAUTHN_RP_ID");
  if (!rawId) return null;
  const rpId = rawId.toLowerCase();
  const fail = (reason: string): never => {
    throw missingConfig(env, reason);
  };
  if (!isValidRpId(rpId)) fail("WEBAUTHN_RP_ID must be a domain name (e.g. example.com, or localhost), not a URL or an IP address");
  const origins = text(env, "WEBAUTHN_ORIGINS")
    .split(",")
    .map((o) => o.trim())
    .filter(Boolean);
  if (origins.length === 0) fail("WEBAUTHN_ORIGINS is required when WEBAUTHN_RP_ID is set");
  for (const origin of origins) {
    const problem = originProblem(origin, rpId);
    if (problem) fail(`WEBAUTHN_ORIGINS: ${origin} ${problem}`);
  }
  const rpName = text(env, "WEBAUTHN_RP_NAME") || getConfig(env).MFA_ISSUER;
  if (rpName.length > 100 || /[\u0000-\u001f\u007f]/.test(rpName)) fail("WEBAUTHN_RP_NAME must be at most 100 characters, without control characters");
  return { rpId, rpName, origins };
}

/**
 * The passkey settings, checked once per isolate; null when WEBAUTHN_RP_ID is unset (the
 * capability is off and its routes answer 404). Invalid settings throw the 503 configuration
 * error (logged once), and are not cached, so a fixed setting takes effect at once.
 */
export const getPasskeyConfig = memo((env: Env): PasskeyConfig | null => build(env));
