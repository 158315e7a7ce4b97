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

/** The methods some route serves at `path`: a path that exists under another method answers 405, not 404. */
export function allowedMethods(routes: readonly RouteEntry[], path: string): string[] {
  const methods = new Set<string>();
  for (const r of routes) {
    if (r.method === "ALL" || r.path === "/*" || r.path === "*") continue;
    if (pattern(r.path).test(path)) methods.add(r.method.toUpperCase());
  }
  return [...methods].sort();
}
