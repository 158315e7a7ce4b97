/**
 * Django 3.2's four default password validators (AUTH_PASSWORD_VALIDATORS), ported
 * so the worker rejects exactly the passwords the Django service rejected, with the
 * same English messages, in the same order.
 *
 * data/common-passwords.txt is Django 3.2's own list (django/contrib/auth/common-passwords.txt.gz,
 * from Royce Williams' list, as shipped by Debian's python3-django), BSD-3-Clause licensed
 * by the Django Software Foundation, one lowercased entry per line. A migration seeds it
 * into D1 (scripts/build-common-passwords.mjs); this module asks through `isCommon`.
 * The messages are Django's, in ./messages.ts.
 *
 * Python semantics that JavaScript does not give for free, and how they are matched:
 * - len() counts code points, so lengths and character iteration use `for…of`, never `.length`.
 * - str.lower() and String#toLowerCase() both apply Unicode's full default case mapping
 *   (final sigma, İ → i̇); checked identical for every code point assigned in Unicode 14
 *   (Python 3.11's database). Only characters assigned after that may differ.
 * - re `\W` on str is "not alphanumeric and not _", which is exactly [^\p{L}\p{N}_]
 *   (checked for every code point assigned in Unicode 14; combining marks are \W in both).
 * - str.strip() and str.isdigit() use Python's own sets, spelled out below, because
 *   String#trim() and \p{Nd} differ from them.
 */
import { PASSWORD_MSG } from "./messages";

export interface PasswordOwner {
  email?: string | null;
  name?: string | null;
}

const MIN_LENGTH = 8;
const MAX_SIMILARITY = 0.7;

/** Django's help texts for the four rules, for docs and the reset page. */
export const PASSWORD_RULES_HELP = PASSWORD_MSG.help(MIN_LENGTH);

// Attribute order and verbose names as on the Django user model: the validator stops at
// the first attribute that matches, so only one similarity message can ever appear.
const SIMILARITY_ATTRIBUTES: readonly (readonly [keyof PasswordOwner, string])[] = [
  ["email", "Email"],
  ["name", "name"],
];

// Python's str.isspace(): bidi class WS/B/S or category Zs. Unlike String#trim() it
// includes U+001C–U+001F and U+0085, and excludes U+FEFF.
const PY_SPACE = "\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const PY_STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, "gu");

// Python's str.isdigit(): Numeric_Type Decimal (= \p{Nd}) or Digit. JS regexes have no
// Numeric_Type property, so the Digit-but-not-Nd characters (superscripts, circled and
// parenthesised digits, Ethiopic digits, …) are listed, as Unicode 14 defines them.
const PY_ISDIGIT = new RegExp(
  "^[\\p{Nd}\\xb2\\xb3\\xb9\\u1369-\\u1371\\u19da\\u2070\\u2074-\\u2079\\u2080-\\u2089" +
    "\\u2460-\\u2468\\u2474-\\u247c\\u2488-\\u2490\\u24ea\\u24f5-\\u24fd\\u24ff" +
    "\\u2776-\\u277e\\u2780-\\u2788\\u278a-\\u2792\\u{10a40}-\\u{10a43}\\u{10e60}-\\u{10e68}" +
    "\\u{11052}-\\u{1105a}\\u{1f100}-\\u{1f10a}]+$",
  "u",
);

// Python's re.split(r'\W+', s); JS split keeps the leading/trailing "" parts just like Python.
const PY_NON_WORD = /[^\p{L}\p{N}_]+/u;

function pyStrip(s: string): string {
  return s.replace(PY_STRIP, "");
}

function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function countChars(s: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  return counts;
}

/**
 * UserAttributeSimilarityValidator. difflib's quick_ratio() is 2·M/T with M the size of the
 * multiset intersection of the two strings' characters; counting the password once and
 * each part once keeps the whole check linear in the input sizes.
 */
function similarityProblem(password: string, owner: PasswordOwner): string | undefined {
  const pwd = password.toLowerCase();
  const pwdLen = codePointLength(pwd);
  const pwdCounts = countChars(pwd);
  const lengthBoundSimilarity = (MAX_SIMILARITY / 2) * pwdLen;

  for (const [attribute, verboseName] of SIMILARITY_ATTRIBUTES) {
    const value = owner[attribute];
    if (!value || typeof value !== "string") continue;
    const valueLower = value.toLowerCase();
    const parts = [...valueLower.split(PY_NON_WORD), valueLower];
    for (const part of parts) {
      const partLen = codePointLength(part);
      // exceeds_maximum_length_ratio(): a much shorter part can't reach the threshold.
      if (pwdLen >= 10 * partLen && partLen < lengthBoundSimilarity) continue;
      const used = new Map<string, number>();
      let matches = 0;
      for (const ch of part) {
        const n = used.get(ch) ?? 0;
        if (n < (pwdCounts.get(ch) ?? 0)) matches++;
        used.set(ch, n + 1);
      }
      const total = pwdLen + partLen;
      const ratio = total ? (2.0 * matches) / total : 1.0;
      if (ratio >= MAX_SIMILARITY) return PASSWORD_MSG.tooSimilar(verboseName);
    }
  }
  return undefined;
}

/**
 * Every rule the password breaks, as Django's messages, in Django's order; [] when it passes.
 * Mirrors validate_password() with Django 3.2's default AUTH_PASSWORD_VALIDATORS:
 * user-attribute similarity (email, then name), minimum length 8, common password, numeric.
 */
export async function passwordProblems(
  password: string,
  owner: PasswordOwner,
  isCommon: (lowercasedAndStripped: string) => Promise<boolean>,
): Promise<string[]> {
  const problems: string[] = [];
  const similar = similarityProblem(password, owner);
  if (similar) problems.push(similar);
  if (codePointLength(password) < MIN_LENGTH) {
    problems.push(PASSWORD_MSG.tooShort(MIN_LENGTH));
  }
  // An empty candidate is never "common" (Django's list has no empty entry).
  const candidate = pyStrip(password.toLowerCase());
  if (candidate && (await isCommon(candidate))) problems.push(PASSWORD_MSG.tooCommon);
  if (PY_ISDIGIT.test(password)) problems.push(PASSWORD_MSG.entirelyNumeric);
  return problems;
}
