// A port of Django's EmailValidator, so that exactly the addresses the Django API took are taken.
const USER_DOT_ATOM = /^[-!#$%&'*+/=?^_`{}|~0-9A-Z]+(\.[-!#$%&'*+/=?^_`{}|~0-9A-Z]+)*$/i;
const USER_QUOTED = /^"([\x01-\x08\x0b\x0c\x0e-\x1f!#-\[\]-\x7f]|\\[\x01-\x09\x0b\x0c\x0e-\x7f])*"$/i;
const DOMAIN = /^((?:[A-Z0-9](?:[A-Z0-9-]{0,61}[A-Z0-9])?\.)+)(?:[A-Z0-9-]{2,63})$/i;
const LITERAL = /^\[([A-F0-9:.]+)\]$/i;
const MAX_LENGTH = 320;

function validDomain(domain: string): boolean {
  if (domain === "localhost") return true;
  if (LITERAL.test(domain)) return true;
  if (DOMAIN.test(domain) && !domain.endsWith("-")) return true;
  // Internationalised domains are checked in their punycode form, as Django does with idna.
  try {
    const ascii = new URL(`http://${domain}`).hostname;
    return ascii !== domain.toLowerCase() && DOMAIN.test(ascii) && !ascii.endsWith("-");
  } catch {
    return false;
  }
}

/** True when Django's EmailValidator would accept the (already trimmed) address. */
export function isValidEmail(value: string): boolean {
  if (!value || value.length > MAX_LENGTH || !value.includes("@")) return false;
  const at = value.lastIndexOf("@");
  const user = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (!USER_DOT_ATOM.test(user) && !USER_QUOTED.test(user)) return false;
  return validDomain(domain);
}

/** Django's BaseUserManager.normalize_email: the domain is case-insensitive, the local part is kept. */
export function normalizeEmail(value: string): string {
  const email = value.trim();
  const at = email.lastIndexOf("@");
  return at < 0 ? email : email.slice(0, at) + "@" + email.slice(at + 1).toLowerCase();
}
