import { toHex } from "../../kernel/crypto";
import type { Logger } from "../../kernel/log";
import type { BreachedPasswordsConfig } from "./config";

/**
 * Whether `password` is in the Pwned Passwords corpus, by k-anonymity: only the first 5 hex
 * characters of its SHA-1 leave the worker, and the suffixes that come back are compared
 * here. The answer is padded (Add-Padding), so its size does not tell the prefix's
 * popularity to someone watching; padding lines carry a count of 0 and never match.
 * Fails open: a range API that cannot answer lets the password through, with a log line.
 */
export async function isBreached(config: BreachedPasswordsConfig, password: string, log: Logger): Promise<boolean> {
  const hash = toHex(new Uint8Array(await crypto.subtle.digest("SHA-1", new TextEncoder().encode(password)))).toUpperCase();
  const prefix = hash.slice(0, 5);
  const suffix = hash.slice(5);
  const range = await rangeOf(config, prefix);
  if (!range.ok) {
    log.event("pwned_unavailable", { reason: range.reason });
    return false;
  }
  for (const line of range.text.split("\n")) {
    const [candidate, count] = line.trim().split(":");
    if (candidate?.toUpperCase() === suffix && Number(count) > 0) return true;
  }
  return false;
}

type Range = { ok: true; text: string } | { ok: false; reason: string };

/** The range API's text for `prefix`, body included within the timeout; why not, for the log. */
async function rangeOf(config: BreachedPasswordsConfig, prefix: string): Promise<Range> {
  const abort = new AbortController();
  let timer: ReturnType<typeof setTimeout> | null = null;
  const deadline = new Promise<Range>((resolve) => {
    timer = setTimeout(() => {
      abort.abort();
      resolve({ ok: false, reason: "timeout" });
    }, config.timeoutMs);
  });
  const call = async (): Promise<Range> => {
    try {
      const res = await fetch(`${config.url}/range/${prefix}`, { headers: { "Add-Padding": "true" }, signal: abort.signal });
      if (!res.ok) {
        await res.body?.cancel().catch(() => undefined);
        return { ok: false, reason: `status ${res.status}` };
      }
      return { ok: true, text: await res.text() };
    } catch {
      return { ok: false, reason: "unreachable" };
    }
  };
  try {
    return await Promise.race([call(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
