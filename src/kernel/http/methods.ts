interface RouteEntry {
  method: string;
  path: string;
}

const cache = new Map<string, RegExp>();

function pattern(path: string): RegExp {
  let re = cache.get(path);
  if (!re) {
    const body = path
      .replace(/\/+$/, "")
      .split("/")
      .map((seg) => (seg.startsWith(":") ? "[^/]+" : seg === "*" ? ".*" : seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
      .join("/");
    re = new RegExp(`^${body}/?$`);
    cache.set(path, re);
  }
  return re;
}

// Per route table, built once: the paths without parameters in a map (a miss costs one
// lookup, not one RegExp per route), the few with parameters as patterns. Keyed by the array,
// which Hono keeps for the app's lifetime and grows as routes are added (hence the length check).
interface Table {
  length: number;
  literal: Map<string, string[]>;
  patterns: [RegExp, string[]][];
  /** All patterns in one: a path that matches none (most 404s) costs one test, not one per pattern. */
  anyPattern: RegExp;
}
const tables = new WeakMap<readonly RouteEntry[], Table>();

const isLiteral = (path: string) => !path.split("/").some((seg) => seg.startsWith(":") || seg === "*");

function tableOf(routes: readonly RouteEntry[]): Table {
  const hit = tables.get(routes);
  if (hit && hit.length === routes.length) return hit;
  const byPath = new Map<string, Set<string>>();
  for (const r of routes) {
    if (r.method === "ALL" || r.path === "/*" || r.path === "*") continue;
    let set = byPath.get(r.path);
    if (!set) byPath.set(r.path, (set = new Set()));
    set.add(r.method.toUpperCase());
  }
  const table: Table = { length: routes.length, literal: new Map(), patterns: [], anyPattern: /(?!)/ };
  for (const [path, methods] of byPath) {
    if (!isLiteral(path)) {
      table.patterns.push([pattern(path), [...methods]]);
      continue;
    }
    // The key as pattern() would match it: without trailing slashes (one is allowed back).
    const key = path.replace(/\/+$/, "");
    table.literal.set(key, [...new Set([...(table.literal.get(key) ?? []), ...methods])]);
  }
  if (table.patterns.length) table.anyPattern = new RegExp(table.patterns.map(([re]) => `(?:${re.source})`).join("|"));
  tables.set(routes, table);
  return table;
}

/** The methods some route serves at `path`: a path that exists under another method answers 405, not 404. */
export function allowedMethods(routes: readonly RouteEntry[], path: string): string[] {
  const table = tableOf(routes);
  const methods = new Set(table.literal.get(path.endsWith("/") ? path.slice(0, -1) : path));
  if (table.anyPattern.test(path)) for (const [re, served] of table.patterns) if (re.test(path)) for (const m of served) methods.add(m);
  return methods.size ? [...methods].sort() : [];
}
