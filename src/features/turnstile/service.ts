import type { Logger } from "../../kernel/log";
import type { TurnstileConfig } from "./config";
import { tokenMissing, tokenRefused, verificationUnavailable } from "./messages";

// Cloudflare's tokens are at most 2048 characters; siteverify refuses longer ones anyway.
const MAX_TOKEN_LENGTH = 2048;

/**
 * Asks siteverify whether `token` is a live Turnstile token, and throws the contract's
 * answer unless it is: 400 when missing or refused, 503 when siteverify cannot answer
 * (unreachable, timed out, non-2xx, not JSON). Nothing is remembered, so a caller that
 * throws here has done nothing else.
 */
export async function verifyTurnstile(config: TurnstileConfig, token: unknown, remoteIp: string | null, log: Logger): Promise<void> {
  if (token === undefined || token === null || (typeof token === "string" && token.trim() === "")) throw tokenMissing();
  // No live token has another shape: refused without asking.
  if (typeof token !== "string" || token.length > MAX_TOKEN_LENGTH) {
    log.event("turnstile_refused", { reason: "malformed" });
    throw tokenRefused();
  }
  const form = new URLSearchParams({ secret: config.secret, response: token });
  if (remoteIp) form.set("remoteip", remoteIp);
  const outcome = await siteverify(config, form);
  if (outcome.success !== true) {
    const codes = Array.isArray(outcome["error-codes"]) ? outcome["error-codes"].filter((c) => typeof c === "string").join(",").slice(0, 200) : undefined;
    log.event("turnstile_refused", { reason: "siteverify", error_codes: codes });
    throw tokenRefused();
  }
}

/** One POST to siteverify, body included, bounded by the timeout as a whole. */
async function siteverify(config: TurnstileConfig, form: URLSearchParams): Promise<Record<string, unknown>> {
  const abort = new AbortController();
  let timer: ReturnType<typeof setTimeout> | null = null;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abort.abort();
      reject(verificationUnavailable("timeout"));
    }, config.timeoutMs);
  });
  const call = async () => {
    let res: Response;
    try {
      res = await fetch(config.verifyUrl, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: form.toString(),
        signal: abort.signal,
      });
    } catch {
      throw verificationUnavailable("unreachable");
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw verificationUnavailable(`status ${res.status}`);
    }
    let value: unknown;
    try {
      value = await res.json();
    } catch {
      throw verificationUnavailable("not json");
    }
    // JSON of another shape is an answer without `success: true`: refused, not unavailable.
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  };
  try {
    return await Promise.race([call(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
