import { describe, expect, it } from "vitest";
import wranglerToml from "../../wrangler.toml?raw";
import { limiters } from "../../src/app";

/** The [[ratelimits]] blocks of wrangler.toml, read the way wrangler lays them out. */
function declaredLimits(toml: string) {
  const blocks = toml.split(/^\[\[ratelimits\]\]\s*$/m).slice(1);
  return Object.fromEntries(
    blocks.map((block) => {
      const name = /^name\s*=\s*"([^"]+)"/m.exec(block)?.[1];
      const namespace = Number(/^namespace_id\s*=\s*"(\d+)"/m.exec(block)?.[1]);
      const m = /^simple\s*=\s*\{\s*limit\s*=\s*(\d+)\s*,\s*period\s*=\s*(\d+)\s*\}/m.exec(block);
      return [name, { namespace, limit: Number(m?.[1]), period: Number(m?.[2]) }];
    }),
  );
}

describe("rate limits have one source", () => {
  it("wrangler.toml declares exactly the limiters the capabilities declare, with the same namespace, limit and period", () => {
    const fromCode = Object.fromEntries(
      Object.entries(limiters).map(([name, l]) => [name, { namespace: l.namespace, limit: l.limit, period: l.period }]),
    );
    expect(declaredLimits(wranglerToml)).toEqual(fromCode);
  });
});
