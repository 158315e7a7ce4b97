import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import commonPasswordsText from "../../data/common-passwords.txt";
import { PASSWORD_RULES_HELP, passwordProblems, type PasswordOwner } from "../../src/features/passwords/rules";
import { getDb } from "../../src/kernel/storage";
import { isCommonPassword } from "../../src/features/passwords/store";

// The rules as the worker runs them: the common-password list is the one the migrations put in D1.
const db = getDb(env.DB);
const rules = (password: string, owner: PasswordOwner) => passwordProblems(password, owner, (c) => isCommonPassword(db, c));

const SIMILAR_EMAIL = "The password is too similar to the Email.";
const SIMILAR_NAME = "The password is too similar to the name.";
const SHORT = "This password is too short. It must contain at least 8 characters.";
const COMMON = "This password is too common.";
const NUMERIC = "This password is entirely numeric.";

const ADA: PasswordOwner = { email: "ada.lovelace@example.com", name: "Ada Lovelace" };

// Every row's expectation is what Django 3.2's validate_password() returned for the same
// password and user (UserAttributeSimilarityValidator on ("email", "name"), then the other
// three defaults), run with python3 against Debian's python3-django 3.2.25.
const DJANGO_VERIFIED: [password: string, email: string | null, name: string | null, messages: string[]][] = [
  ["123", "ada.lovelace@example.com", "Ada Lovelace", [SHORT, COMMON, NUMERIC]],
  ["password", null, null, [COMMON]],
  ["Password ", null, null, [COMMON]],
  ["\tQWERTY123\n", null, null, [COMMON]],
  ["\u001cpassword\u0085", null, null, [COMMON]],
  ["\ufeffpassword", null, null, []],
  ["", null, null, [SHORT]],
  ["   ", null, null, [SHORT]],
  ["", "ada.lovelace@example.com", "Ada ", [SIMILAR_NAME, SHORT]],
  ["lovelace1", "ada.lovelace@example.com", "Ada Lovelace", [SIMILAR_EMAIL]],
  ["LoveLace!", "ada.lovelace@example.com", null, [SIMILAR_EMAIL]],
  ["ecalevol", "ada.lovelace@example.com", null, [SIMILAR_EMAIL]],
  ["lovelace", "someone@example.com", "Ada Lovelace", [SIMILAR_NAME]],
  ["adalovelace", "ada.lovelace@example.com", "Ada Lovelace", [SIMILAR_EMAIL]],
  ["adalovelace", null, "Ada Lovelace", [SIMILAR_NAME]],
  ["abcdefgxyz", "abcdefghij@x.io", null, [SIMILAR_EMAIL]],
  ["abcdefwxyz", "abcdefghij@x.io", null, []],
  ["correct horse battery staple", "ada.lovelace@example.com", "Ada Lovelace", []],
  ["adaadaadaadaadaadaadaadaadaadaadaada", "ada@ex.com", "Ada", []],
  ["ada1234", "ada@ex.com", null, [SHORT]],
  ["12345678", null, null, [COMMON, NUMERIC]],
  ["73920461", null, null, [NUMERIC]],
  ["7392046", null, null, [SHORT, NUMERIC]],
  ["٣٤٥٦٧٨٩٠١٢", null, null, [NUMERIC]],
  ["²³¹⁴⁵⁶⁷⁸", null, null, [NUMERIC]],
  ["①②③④⑤⑥⑦⑧", null, null, [NUMERIC]],
  ["ⅠⅡⅢⅣⅤⅥⅦⅧ", null, null, []],
  ["😀😀😀😀😀😀😀😀", null, null, []],
  ["😀😀😀😀😀😀😀", null, null, [SHORT]],
  ["σίσυφος99", "sisyphus@example.gr", "ΣΊΣΥΦΟΣ", [SIMILAR_NAME]],
  ["İstanbul!", "x@y.z", "İSTANBUL", [SIMILAR_NAME]],
  ["Jürgen-Groß", "jurgen@example.de", "Jürgen Groß", [SIMILAR_NAME]],
  ["Tr0ub4dor&3", "ada.lovelace@example.com", "Ada Lovelace", []],
  ["ada.lovelace@example.com", "ada.lovelace@example.com", "Ada Lovelace", [SIMILAR_EMAIL]],
];

describe("passwordProblems matches Django 3.2", () => {
  it.each(DJANGO_VERIFIED)("%j (email %j, name %j)", async (password, email, name, messages) => {
    expect(await rules(password, { email, name })).toEqual(messages);
  });
});

describe("MinimumLengthValidator", () => {
  it("accepts 8 characters and rejects 7", async () => {
    expect(await rules("xk3!qv9z", {})).toEqual([]);
    expect(await rules("xk3!qv9", {})).toEqual([SHORT]);
  });

  it("counts code points, as Python's len() does, not UTF-16 units", async () => {
    expect(await rules("𝒳𝒴𝒵😀🎉🔑", {})).toEqual([SHORT]); // 6 code points, 12 units
    expect(await rules("𝒳𝒴𝒵😀🎉🔑ab", {})).toEqual([]);
  });
});

describe("UserAttributeSimilarityValidator", () => {
  it("flags a password close to the email's local part", async () => {
    expect(await rules("lovelace1", ADA)).toEqual([SIMILAR_EMAIL]);
    expect(await rules("lovelace1", { email: ADA.email })).toEqual([SIMILAR_EMAIL]);
  });

  it("flags a password close to the name", async () => {
    expect(await rules("lovelace1", { name: "Ada Lovelace" })).toEqual([SIMILAR_NAME]);
  });

  it("reports only the first matching attribute, email before name", async () => {
    expect(await rules("adalovelace", ADA)).toEqual([SIMILAR_EMAIL]);
  });

  it("ignores missing and empty attributes", async () => {
    expect(await rules("lovelace1", { email: null, name: "" })).toEqual([]);
  });

  it("treats a quick_ratio of exactly 0.7 as too similar", async () => {
    // 7 shared characters over 10 + 10: 2 * 7 / 20 = 0.7.
    expect(await rules("abcdefgxyz", { email: "abcdefghij@x.io" })).toEqual([SIMILAR_EMAIL]);
    expect(await rules("abcdefwxyz", { email: "abcdefghij@x.io" })).toEqual([]);
  });
});

describe("CommonPasswordValidator", () => {
  const entries = commonPasswordsText.split("\n").filter((line) => line.trim() !== "");

  it("ships Django's full list", () => {
    expect(entries.length).toBeGreaterThanOrEqual(10_000);
    expect(new Set(entries).size).toBe(entries.length);
  });

  it("is in D1 after the migrations, entry for entry", async () => {
    const { results } = await env.DB.prepare("select password from common_passwords order by password").all<{ password: string }>();
    expect(results.map((r) => r.password)).toEqual([...entries].sort());
  });

  it("rejects list entries after lower() and strip()", async () => {
    expect(await rules("password", {})).toEqual([COMMON]);
    expect(await rules("Password ", {})).toEqual([COMMON]);
    expect(await rules("  PASSWORD\t", {})).toEqual([COMMON]);
    for (let i = 0; i < entries.length; i += 97) {
      expect(await rules(entries[i]!, {})).toContain(COMMON);
    }
  });

  it("accepts a password that is not on the list", async () => {
    expect(await rules("xk3!qv9z", {})).toEqual([]);
  });

  it("does not treat the empty password as common", async () => {
    expect(await rules("", {})).toEqual([SHORT]);
  });
});

describe("NumericPasswordValidator", () => {
  it("rejects all-digit passwords, including non-ASCII digits", async () => {
    expect(await rules("73920461", {})).toEqual([NUMERIC]);
    expect(await rules("٣٤٥٦٧٨٩٠١٢", {})).toEqual([NUMERIC]);
    expect(await rules("²³¹⁴⁵⁶⁷⁸", {})).toEqual([NUMERIC]);
  });

  it("accepts a password with any non-digit", async () => {
    expect(await rules("7392046a", {})).toEqual([]);
    expect(await rules("7392 0461", {})).toEqual([]);
  });
});

describe("ordering and help", () => {
  it("returns every failure in Django's validator order", async () => {
    expect(await rules("123", ADA)).toEqual([SHORT, COMMON, NUMERIC]);
    expect(await rules("", { name: "Ada " })).toEqual([SIMILAR_NAME, SHORT]);
  });

  it("exposes Django's help texts in the same order", () => {
    expect(PASSWORD_RULES_HELP).toEqual([
      "Your password can’t be too similar to your other personal information.",
      "Your password must contain at least 8 characters.",
      "Your password can’t be a commonly used password.",
      "Your password can’t be entirely numeric.",
    ]);
  });
});

describe("long passwords", () => {
  function randomPassword(length: number): string {
    const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&*+-./:;=?@^_~";
    const bytes = crypto.getRandomValues(new Uint8Array(length));
    return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
  }

  // Behaviour only: workerd's clock does not move without I/O, so a time limit here could
  // never fail. `npm run bench:password-rules` times these cases on the bundled code.
  it("checks a 4096-character random password, including the similarity worst case", async () => {
    const password = randomPassword(4096);
    const notCommon = async () => false; // the algorithm alone, without the D1 lookup
    expect(await passwordProblems(password, ADA, notCommon)).toEqual([]);
    // The worst case the length-ratio shortcut can't skip: an attribute as long as the password
    // (quick_ratio only compares character counts, so the reversed password is "too similar").
    expect(await passwordProblems(password, { name: [...password].reverse().join("") }, notCommon)).toEqual([SIMILAR_NAME]);
  });
});
