import { vi } from "vitest";

export interface Outbound {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** The body as text; null when the request had none. */
  body: string | null;
}

/** A fake service's behaviour: an answer, a thrown network error, or a hang (until aborted). */
export type Respond = (req: Request) => Response | Promise<Response>;

/** A request that never answers, as a stalled service; it ends only when the caller aborts. */
export const hang = (req: Request) =>
  new Promise<Response>((_, reject) => {
    if (req.signal.aborted) reject(req.signal.reason);
    req.signal.addEventListener("abort", () => reject(req.signal.reason));
  });

/**
 * Serves the worker's outbound requests to `origin` from `respond`, and records every
 * outbound request, to that origin or not, in `all` (what left the worker).
 *
 * It coexists with installMailbox (test/support/mailbox.ts): install the mailbox first, then
 * this; restore in the reverse order. When fetch is already a spy it chains to that spy's
 * implementation instead of replacing it (vi.spyOn on a spy returns the same spy).
 */
export function fakeService(origin: string, respond: Respond) {
  const all: Outbound[] = [];
  const served: Outbound[] = [];
  const current = globalThis.fetch;
  const existing = vi.isMockFunction(current) ? current : undefined;
  const next = existing ? existing.getMockImplementation() : current;
  if (!next) throw new Error("fetch is a spy without an implementation: nothing to chain to");
  const spy = existing ?? vi.spyOn(globalThis, "fetch");
  spy.mockImplementation(async (input, init) => {
    const req = new Request(input as RequestInfo, init);
    const record: Outbound = {
      method: req.method,
      url: req.url,
      headers: Object.fromEntries(req.headers),
      // Decoded by hand: workerd warns when .text() reads a form-encoded body.
      body: req.body ? new TextDecoder().decode(await req.clone().arrayBuffer()) : null,
    };
    all.push(record);
    if (new URL(req.url).origin !== origin) return next(input as RequestInfo, init);
    served.push(record);
    return respond(req);
  });
  return {
    /** Every outbound request while installed, in order. */
    all,
    /** The requests that reached this fake service. */
    served,
    restore: () => (existing ? existing.mockImplementation(next) : spy.mockRestore()),
  };
}
