import { sha256Hex } from "./auth/crypto";

export type LogFields = Record<string, string | number | boolean | null | undefined>;

/** One JSON line per event; callers pass ids and hashes, never passwords, tokens, keys or addresses. */
export interface Logger {
  event(name: string, fields?: LogFields): void;
  /** A stable, keyed stand-in for an e-mail address, so events about one account can be correlated. */
  emailRef(email: string): string;
}

// The key's text form, made once per key (so once per isolate), not per request.
const keyTexts = new WeakMap<Uint8Array, string>();
function keyText(key: Uint8Array): string {
  let text = keyTexts.get(key);
  if (text === undefined) {
    text = Array.from(key, (b) => b.toString(16)).join("");
    keyTexts.set(key, text);
  }
  return text;
}

export function createLogger(requestId: string, key: Uint8Array): Logger {
  const secret = keyText(key);
  return {
    event(name, fields = {}) {
      console.log(JSON.stringify({ ts: new Date().toISOString(), level: "info", event: name, request_id: requestId, ...fields }));
    },
    emailRef: (email) => sha256Hex(`${secret}\u0000${email.trim().toLowerCase()}`).slice(0, 16),
  };
}

/** An error for the log: name, message and stack frames, without the query parameters Drizzle appends (they hold addresses). */
export const describeError = (err: unknown) =>
  err instanceof Error
    ? `${err.name}: ${err.message.split("\nparams:")[0]}\n${(err.stack ?? "").split("\n").filter((l) => l.trimStart().startsWith("at ")).slice(0, 8).join("\n")}`
    : String(err);
