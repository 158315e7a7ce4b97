import { describe, expect, it } from "vitest";
import securityDoc from "../../docs/security.md?raw";

// Every test file's text, keyed "../<cap>/<file>.test.ts" (relative to this folder).
const testFiles = import.meta.glob("../**/*.test.ts", { query: "?raw", import: "default", eager: true });

/** The titles of a file's describe/it/test blocks, including `.each(...)(title)` templates. */
function titlesOf(source: string): string[] {
  const titles: string[] = [];
  const block = /(?:\b(?:it|test|describe)(?:\.(?:only|skip|concurrent|sequential))?|\))\(\s*(["'`])((?:\\.|(?!\1)[^\\])*)\1/g;
  for (const m of source.matchAll(block)) titles.push(m[2]!.replace(/\\(.)/g, "$1"));
  return titles;
}

const PLACEHOLDERS = /%[sdifjo]|\$[\w.]+/g;

/**
 * A title matches a cited name exactly, or as an .each template (%s, %d, $field) filled in;
 * a template of little more than placeholders ("%s") would match anything, so cite its describe.
 */
function matches(title: string, name: string): boolean {
  if (title === name) return true;
  const parts = title.split(PLACEHOLDERS);
  if (parts.length === 1 || parts.join("").trim().length < 8) return false;
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^${parts.map(escape).join(".+")}$`).test(name);
}

/** docs/security.md's citations in order: `test/…` names a file, › "…" a test in the last file named. */
function citations(doc: string): { file: string; name: string }[] {
  const cited: { file: string; name: string }[] = [];
  let file = "";
  for (const m of doc.matchAll(/`(test\/[^`]+\.test\.ts)`|›\s*"([^"]+)"/g)) {
    if (m[1]) file = m[1];
    else cited.push({ file, name: m[2]! });
  }
  return cited;
}

describe("docs/security.md", () => {
  it("cites only test files and test names that exist", () => {
    const cited = citations(securityDoc);
    expect(cited.length).toBeGreaterThan(30);
    const missing = cited.filter(({ file, name }) => {
      const source = testFiles[`../${file.slice("test/".length)}`];
      return !source || !titlesOf(source).some((t) => matches(t, name));
    });
    expect(missing).toEqual([]);
  });
});
