// Reads a top-level JSON list one element at a time, so a 170 MB dump never has to exist as
// one string plus one parsed tree (about three times its size) in memory. Each element's text
// is cut out by tracking strings and brackets, then handed to JSON.parse, which does the real
// validation: this scanner only has to find where an element ends.

/** The text is not a JSON list, or not JSON at all. */
export class JsonListError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = "JsonListError";
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const CLOSERS = { 0x5b: 0x5d, 0x7b: 0x7d }; // [ -> ], { -> }

export class JsonArrayScanner {
  constructor() {
    /** Text not yet handed out: the start of an incomplete element. */
    this.buf = "";
    /** Where scanning resumes in buf. */
    this.pos = 0;
    /** "start" (before "["), "list" (inside it), "done" (after "]"). */
    this.state = "start";
    /** Closers expected for the brackets open inside the current element. */
    this.stack = /** @type {number[]} */ ([]);
    this.inString = false;
    this.escaped = false;
    this.count = 0;
    /** Characters dropped from the front of buf, for error positions. */
    this.offset = 0;
  }

  /**
   * Feeds a chunk; returns the elements it completed.
   * @param {string} chunk
   * @returns {unknown[]}
   */
  push(chunk) {
    const out = [];
    const buf = this.buf + chunk;
    let i = this.pos;
    let start = 0;
    /** @param {string} what */
    const fail = (what) => new JsonListError(`not valid JSON: ${what} at position ${this.offset + i}`);
    if (this.state === "start") {
      if (this.offset === 0 && buf.charCodeAt(0) === 0xfeff) i = 1;
      while (i < buf.length && /\s/.test(buf[i])) i++;
      if (i < buf.length) {
        if (buf[i] !== "[") {
          if (/^[{"\-0-9]|^(true|false|null)\b/.test(buf.slice(i, i + 6))) throw new JsonListError("not a JSON list");
          throw fail(`unexpected ${JSON.stringify(buf[i])}`);
        }
        this.state = "list";
        start = ++i;
      }
    }
    const stack = this.stack;
    for (; this.state === "list" && i < buf.length; i++) {
      const c = buf.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) this.inString = false;
      } else if (c === QUOTE) {
        this.inString = true;
      } else if (c === 0x5b || c === 0x7b) {
        stack.push(CLOSERS[c]);
      } else if (c === 0x5d || c === 0x7d) {
        if (stack.length) {
          if (stack.pop() !== c) throw fail(`unexpected ${JSON.stringify(buf[i])}`);
        } else if (c === 0x5d) {
          this.element(buf.slice(start, i), out, true);
          this.state = "done";
          start = i + 1;
        } else {
          throw fail('unexpected "}"');
        }
      } else if (c === COMMA && !stack.length) {
        this.element(buf.slice(start, i), out, false);
        start = i + 1;
      }
    }
    if (this.state === "done") {
      const extra = buf.slice(start).search(/\S/);
      if (extra !== -1) {
        i = start + extra;
        throw fail("text after the end of the list");
      }
      start = buf.length;
    }
    this.buf = buf.slice(start);
    this.offset += start;
    this.pos = i - start;
    return out;
  }

  /** Checks that the list was closed. */
  end() {
    if (this.state === "start") throw new JsonListError("not valid JSON: the file is empty");
    if (this.state !== "done") throw new JsonListError("not valid JSON: the list is not closed (a truncated file?)");
  }

  /**
   * @param {string} text
   * @param {unknown[]} out
   * @param {boolean} last
   */
  element(text, out, last) {
    // "[]" and "[ ]" are an empty list, not a list of one empty element.
    if (last && this.count === 0 && !text.trim()) return;
    try {
      out.push(JSON.parse(text));
    } catch (e) {
      throw new JsonListError(`not valid JSON: entry #${this.count + 1}: ${/** @type {Error} */ (e).message}`);
    }
    this.count++;
  }
}

/**
 * The elements of a JSON list read from a stream of text, one at a time.
 * @param {AsyncIterable<string>} chunks
 * @returns {AsyncGenerator<unknown>}
 */
export async function* readJsonArray(chunks) {
  const scanner = new JsonArrayScanner();
  for await (const chunk of chunks) yield* scanner.push(chunk);
  scanner.end();
}

/**
 * The same for a string held in memory.
 * @param {string} text
 */
export function parseJsonArray(text) {
  const scanner = new JsonArrayScanner();
  const out = scanner.push(text);
  scanner.end();
  return out;
}
