import { vi } from "vitest";

export interface CapturedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  authorization: string | null;
}

const MAIL_URL = "https://mail.test/emails";

/**
 * A fake mail provider at the HTTP boundary: the worker's outbound fetch to MAIL_API_URL
 * lands here. `respond` lets a test make the provider fail or hang.
 */
export function installMailbox(respond: (attempt: number) => Response | Promise<Response> = () => Response.json({ id: "fake" })) {
  const mails: CapturedMail[] = [];
  let attempts = 0;
  const real = globalThis.fetch;
  const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const req = new Request(input as RequestInfo, init);
    if (req.url !== MAIL_URL) return real(input as RequestInfo, init);
    attempts++;
    const body = (await req.json()) as Omit<CapturedMail, "authorization">;
    // Honour the caller's abort signal, as a real network fetch does (the provider timeout).
    const res = await Promise.race([
      respond(attempts),
      new Promise<never>((_, reject) => {
        if (req.signal.aborted) reject(req.signal.reason);
        req.signal.addEventListener("abort", () => reject(req.signal.reason));
      }),
    ]);
    if (res.ok) mails.push({ ...body, authorization: req.headers.get("authorization") });
    return res;
  });
  return {
    mails,
    attempts: () => attempts,
    restore: () => spy.mockRestore(),
    /** How many mails have arrived for `to` so far. */
    countFor: (to: string) => mails.filter((m) => m.to.includes(to)).length,
    /**
     * Waits for the mail sent after the response (waitUntil), as a user waits for their
     * inbox; with `after`, for a mail beyond the first `after` ones to that address.
     */
    async waitFor(to: string, timeoutMs = 5000, after = 0): Promise<CapturedMail> {
      const started = Date.now();
      for (;;) {
        const mine = mails.filter((m) => m.to.includes(to));
        const found = mine.length > after ? mine.at(-1) : undefined;
        if (found) return found;
        if (Date.now() - started > timeoutMs) throw new Error(`no mail for ${to} within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

/** The reset link in a mail's text, as a person would copy it. */
export function linkFrom(mail: CapturedMail): { url: string; uid: string; token: string } {
  const match = mail.text.match(/https?:\/\/\S+\/([A-Za-z0-9_-]+)\/([A-Za-z0-9_-]+)\//);
  if (!match) throw new Error("no reset link in the mail");
  return { url: match[0], uid: match[1]!, token: match[2]! };
}
