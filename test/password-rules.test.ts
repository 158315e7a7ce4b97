import { describe, expect, it } from "vitest";
import commonPasswordsText from "../data/common-passwords.txt";
import { commonPasswordList, PASSWORD_RULES_HELP, passwordProblems, type PasswordOwner } from "../src/auth/password-rules";

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
  it.each(DJANGO_VERIFIED)("%j (email %j, name %j)", (password, email, name, messages) => {
    expect(passwordProblems(password, { email, name })).toEqual(messages);
  });
});

describe("MinimumLengthValidator", () => {
  it("accepts 8 characters and rejects 7", () => {
    expect(passwordProblems("xk3!qv9z", {})).toEqual([]);
    expect(passwordProblems("xk3!qv9", {})).toEqual([SHORT]);
  });

  it("counts code points, as Python's len() does, not UTF-16 units", () => {
    expect(passwordProblems("𝒳𝒴𝒵😀🎉🔑", {})).toEqual([SHORT]); // 6 code points, 12 units
    expect(passwordProblems("𝒳𝒴𝒵😀🎉🔑ab", {})).toEqual([]);
  });
});

describe("UserAttributeSimilarityValidator", () => {
  it("flags a password close to the email's local part", () => {
    expect(passwordProblems("lovelace1", ADA)).toEqual([SIMILAR_EMAIL]);
    expect(passwordProblems("lovelace1", { email: ADA.email })).toEqual([SIMILAR_EMAIL]);
  });

  it("flags a password close to the name", () => {
    expect(passwordProblems("lovelace1", { name: "Ada Lovelace" })).toEqual([SIMILAR_NAME]);
  });

  it("reports only the first matching attribute, email before name", () => {
    expect(passwordProblems("adalovelace", ADA)).toEqual([SIMILAR_EMAIL]);
  });

  it("ignores missing and empty attributes", () => {
    expect(passwordProblems("lovelace1", { email: null, name: "" })).toEqual([]);
  });

  it("treats a quick_ratio of exactly 0.7 as too similar", () => {
    // 7 shared characters over 10 + 10: 2 * 7 / 20 = 0.7.
    expect(passwordProblems("abcdefgxyz", { email: "abcdefghij@x.io" })).toEqual([SIMILAR_EMAIL]);
    expect(passwordProblems("abcdefwxyz", { email: "abcdefghij@x.io" })).toEqual([]);
  });
});

describe("CommonPasswordValidator", () => {
  const entries = commonPasswordsText.split("\n").filter((line) => line.trim() !== "");

  it("ships Django's full list", () => {
    expect(entries.length).toBeGreaterThanOrEqual(10_000);
    expect(new Set(entries).size).toBe(entries.length);
  });

  it("decodes the bundled front-coded list to exactly Django's list", () => {
    expect(commonPasswordList()).toEqual(entries);
  });

  it("rejects list entries after lower() and strip()", () => {
    expect(passwordProblems("password", {})).toEqual([COMMON]);
    expect(passwordProblems("Password ", {})).toEqual([COMMON]);
    expect(passwordProblems("  PASSWORD\t", {})).toEqual([COMMON]);
    for (let i = 0; i < entries.length; i += 97) {
      expect(passwordProblems(entries[i]!, {})).toContain(COMMON);
    }
  });

  it("accepts a password that is not on the list", () => {
    expect(passwordProblems("xk3!qv9z", {})).toEqual([]);
  });

  it("does not treat the empty password as common", () => {
    expect(passwordProblems("", {})).toEqual([SHORT]);
  });
});

describe("NumericPasswordValidator", () => {
  it("rejects all-digit passwords, including non-ASCII digits", () => {
    expect(passwordProblems("73920461", {})).toEqual([NUMERIC]);
    expect(passwordProblems("٣٤٥٦٧٨٩٠١٢", {})).toEqual([NUMERIC]);
    expect(passwordProblems("²³¹⁴⁵⁶⁷⁸", {})).toEqual([NUMERIC]);
  });

  it("accepts a password with any non-digit", () => {
    expect(passwordProblems("7392046a", {})).toEqual([]);
    expect(passwordProblems("7392 0461", {})).toEqual([]);
  });
});

describe("ordering and help", () => {
  it("returns every failure in Django's validator order", () => {
    expect(passwordProblems("123", ADA)).toEqual([SHORT, COMMON, NUMERIC]);
    expect(passwordProblems("", { name: "Ada " })).toEqual([SIMILAR_NAME, SHORT]);
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

describe("performance", () => {
  function randomPassword(length: number): string {
    const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&*+-./:;=?@^_~";
    const bytes = crypto.getRandomValues(new Uint8Array(length));
    return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
  }

  it("checks a 4096-character random password quickly", () => {
    passwordProblems("warm-up", ADA); // builds the common-password Set once
    const password = randomPassword(4096);
    const start = performance.now();
    expect(passwordProblems(password, ADA)).toEqual([]);
    // The worst case the length-ratio shortcut can't skip: an attribute as long as the password
    // (quick_ratio only compares character counts, so the reversed password is "too similar").
    expect(passwordProblems(password, { name: [...password].reverse().join("") })).toEqual([SIMILAR_NAME]);
    expect(performance.now() - start).toBeLessThan(100);
  });
});
