import { sha256Hex, toHex } from "./crypto";
import { memo } from "./memo";

export type LogFields = Record<string, string | number | boolean | null | undefined>;

/** One JSON line per event; callers pass ids and hashes, never passwords, tokens, keys or addresses. */
export interface Logger {
  event(name: string, fields?: LogFields): void;
  /** A stable, keyed stand-in for an e-mail address, so events about one account can be correlated. */
  emailRef(email: string): string;
}

/** An operator-facing error line outside any request's logger (config, storage, bugs). */
export function logError(event: string, fields: LogFields) {
  console.error(JSON.stringify({ ts: new Date().toISOString(), level: "error", event, ...fields }));
}

// Full two-digit hex per byte: dropping leading zeros would let two keys share a text form.
const keyText = memo((key: Uint8Array) => toHex(key));

export function createLogger(requestId: string, key: Uint8Array): Logger {
  const secret = keyText(key);
  // The line's head is built once per request, and fields are serialised as they are: no
  // Date (Workers Logs and tail stamp every event) and no spread into a fresh object per line,
  // the largest share of a 404's CPU in wave 1's profile.
  const head = `{"level":"info","request_id":${JSON.stringify(requestId)},"event":`;
  return {
    event(name, fields) {
      const rest = fields ? JSON.stringify(fields) : "{}";
      console.log(`${head}${JSON.stringify(name)}${rest.length > 2 ? "," + rest.slice(1) : "}"}`);
    },
    emailRef: (email) => sha256Hex(`${secret}\u0000${email.trim().toLowerCase()}`).slice(0, 16),
  };
}

/** An error for the log: name, message and stack frames, without the query parameters Drizzle appends (they hold addresses). */
export const describeError = (err: unknown) =>
  err instanceof Error
    ? `${err.name}: ${err.message.split("\nparams:")[0]}\n${(err.stack ?? "").split("\n").filter((l) => l.trimStart().startsWith("at ")).slice(0, 8).join("\n")}`
    : String(err);

/** An operator-facing info line outside any request's logger (the cron's jobs). */
export function logInfo(event: string, fields: LogFields) {
  console.log(JSON.stringify({ ts: new Date().toISOString(), level: "info", event, ...fields }));
}
