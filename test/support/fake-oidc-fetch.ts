import { vi } from "vitest";

interface Handler {
  handle(req: Request): Promise<Response | null>;
}

/**
 * Routes the worker's outbound fetch to fake providers (as installMailbox does for mail).
 * A request none of them claims goes to whatever fetch was in place before, so a mailbox
 * installed earlier keeps catching mail; a mailbox installed later falls back to this.
 */
export function routeFetch(...fakes: Handler[]) {
  const current = globalThis.fetch;
  const previous = vi.isMockFunction(current) ? (current.getMockImplementation() ?? current) : current;
  const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const req = new Request(input as RequestInfo, init);
    for (const fake of fakes) {
      const res = await fake.handle(req.clone());
      if (res) return res;
    }
    return previous(input as RequestInfo, init);
  });
  return { restore: () => spy.mockRestore() };
}
