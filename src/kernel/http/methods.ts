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

// Per route table: each distinct path once, with the methods served there, so a miss tests
// one RegExp per path rather than one per (method, path) entry. Keyed by the array, which
// Hono keeps for the app's lifetime and grows as routes are added (hence the length check).
const grouped = new WeakMap<readonly RouteEntry[], { length: number; paths: [RegExp, string[]][] }>();

function byPath(routes: readonly RouteEntry[]) {
  const hit = grouped.get(routes);
  if (hit && hit.length === routes.length) return hit.paths;
  const map = new Map<string, Set<string>>();
  for (const r of routes) {
    if (r.method === "ALL" || r.path === "/*" || r.path === "*") continue;
    let set = map.get(r.path);
    if (!set) map.set(r.path, (set = new Set()));
    set.add(r.method.toUpperCase());
  }
  const paths = [...map].map(([path, methods]): [RegExp, string[]] => [pattern(path), [...methods]]);
  grouped.set(routes, { length: routes.length, paths });
  return paths;
}

/** The methods some route serves at `path`: a path that exists under another method answers 405, not 404. */
export function allowedMethods(routes: readonly RouteEntry[], path: string): string[] {
  let methods: Set<string> | undefined;
  for (const [re, served] of byPath(routes)) {
    if (re.test(path)) for (const m of served) (methods ??= new Set()).add(m);
  }
  return methods ? [...methods].sort() : [];
}
