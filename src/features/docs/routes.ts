import type { OpenAPIHono } from "@hono/zod-openapi";
import { Scalar } from "@scalar/hono-api-reference";
import type { AppEnv } from "../../kernel/http/types";

const INFO = {
  title: "edge-auth",
  version: "1.0.0",
  description:
    "The Django REST Framework + simplejwt user-account API, served from Cloudflare Workers. " +
    "Errors under /api/user/ are wrapped in {\"errors\": ...}; simplejwt's /api/token/ views answer them bare.",
};

/**
 * The routes are declared without their trailing slash (Hono's strict:false serves both);
 * the document names Django's canonical paths, with the slash.
 */
function withDjangoPaths<T extends { paths?: Record<string, unknown> }>(doc: T): T {
  const paths = Object.fromEntries(
    Object.entries(doc.paths ?? {}).map(([p, v]) => [p.startsWith("/api/") && !p.endsWith("/") ? `${p}/` : p, v]),
  );
  return { ...doc, paths };
}

/** GET /api/openapi.json (OpenAPI 3.1, from the same declarations that validate requests) and GET /api/docs. */
export function mountDocs(app: OpenAPIHono<AppEnv>) {
  let doc: unknown;
  app.get("/api/openapi.json", (c) => {
    // Built once per isolate: the routes do not change while it lives.
    doc ??= withDjangoPaths(app.getOpenAPI31Document({ openapi: "3.1.0", info: INFO }));
    return c.json(doc as object, 200, { "Cache-Control": "public, max-age=300" });
  });
  app.get("/api/docs", async (c, next) => {
    // Scalar's page loads its bundle from jsDelivr and styles itself at run time;
    // its inline configuration script runs under a per-response nonce.
    const nonce = crypto.randomUUID().replace(/-/g, "");
    c.header(
      "Content-Security-Policy",
      [
        "default-src 'none'",
        `script-src 'nonce-${nonce}' https://cdn.jsdelivr.net`,
        "style-src 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com",
        "font-src https://fonts.scalar.com https://fonts.gstatic.com https://cdn.jsdelivr.net data:",
        "img-src 'self' data: https:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'none'",
      ].join("; "),
    );
    return Scalar<AppEnv>({ url: "/api/openapi.json", pageTitle: "edge-auth API", nonce })(c, next);
  });
}
