/** A message as the provider receives it: Resend's JSON fields. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface Mailer {
  /** Resolves once the provider accepted the mail; rejects with a reason that is safe to log. */
  send(mail: Mail): Promise<void>;
}

export interface HttpMailerOptions {
  url: string;
  apiKey: string;
  from: string;
  timeoutMs: number;
  /** Pause before the single retry of a failed send. */
  retryDelayMs?: number;
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
      // Only ever logged by the sender's deferred task, never answered to a client.
      throw new Error(reason);
    },
  };
}

/**
 * Local development without MAIL_API_KEY: the mail is printed so the developer can click
 * its link. Only chosen when no provider key is configured, which a deployment always has.
 */
export function logMailer(): Mailer {
  return {
    async send(mail) {
      console.log(`[dev mail] to=${mail.to} subject=${JSON.stringify(mail.subject)}\n${mail.text}`);
    },
  };
}

export const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

const SHOWN_NAME_MAX = 60;

/**
 * User text as a mail may show it: names stored before the field refused them (or imported
 * from Django) can still hold line breaks or bidi controls, so those become spaces, and the
 * length is bounded so a 200-character name cannot push the real content out of view.
 * HTML parts still escape the result.
 */
export function shownText(value: string, max = SHOWN_NAME_MAX): string {
  const clean = value.replace(/[\p{Cc}\p{Cf}\u2028\u2029]+/gu, " ").replace(/\s+/g, " ").trim();
  const chars = [...clean];
  return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : clean;
}
