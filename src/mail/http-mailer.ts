import type { Mail, Mailer } from "./mailer";

export interface HttpMailerOptions {
  url: string;
  apiKey: string;
  from: string;
  timeoutMs: number;
  /** Pause before the single retry of a failed send. */
  retryDelayMs?: number;
}

export class MailError extends Error {
  override name = "MailError";
}

/**
 * POSTs Resend-compatible JSON. A 5xx, a network error or a timeout is retried once
 * after a short pause; a 4xx is not (the request itself is wrong and will stay wrong).
 */
export function httpMailer(o: HttpMailerOptions): Mailer {
  const post = async (mail: Mail) => {
    const res = await fetch(o.url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${o.apiKey}` },
      body: JSON.stringify({ from: o.from, to: [mail.to], subject: mail.subject, text: mail.text, html: mail.html }),
      signal: AbortSignal.timeout(o.timeoutMs),
    });
    // The body is drained so the connection is released; its content may echo the address.
    await res.arrayBuffer().catch(() => undefined);
    return res.status;
  };
  return {
    async send(mail) {
      let reason = "";
      for (let attempt = 0; attempt < 2; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, o.retryDelayMs ?? 250));
        try {
          const status = await post(mail);
          if (status >= 200 && status < 300) return;
          reason = `provider answered ${status}`;
          if (status < 500) break;
        } catch (err) {
          reason = err instanceof Error && err.name === "TimeoutError" ? "provider timed out" : "provider unreachable";
        }
      }
      throw new MailError(reason);
    },
  };
}
