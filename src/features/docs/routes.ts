import type { OpenAPIHono } from "@hono/zod-openapi";
import { detailError } from "../../kernel/errors";
import type { AppEnv } from "../../kernel/http/types";
import { MSG } from "../../kernel/messages";

const INFO = {
  title: "edge-auth",
  version: "1.0.0",
  description:
    "The Django REST Framework + simplejwt user-account API, served from Cloudflare Workers. " +
    "Errors under /api/user/ are wrapped in {\"errors\": ...}; simplejwt's /api/token/ views answer them bare.",
};

/**
 * Scalar's standalone bundle, pinned to one version and checked by Subresource Integrity,
 * so the CDN can serve this page nothing but these exact bytes (the hash is of the file in
 * the npm tarball, which jsDelivr serves unchanged). The CSP allows this one URL, not the host.
 * To upgrade: `npm pack @scalar/api-reference@<v>`, then
 * `openssl dgst -sha384 -binary package/dist/browser/standalone.js | openssl base64 -A`.
 */
const SCALAR = {
  src: "https://cdn.jsdelivr.net/npm/@scalar/api-reference@1.76.0/dist/browser/standalone.js",
  integrity: "sha384-oH1C0RwqcwbVXkC+r8A+4qRoyEUQdtxAzOwumkxZtQBBcsy61FOoPt7B50OVJYYQ",
} as const;

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

const page = (nonce: string) => `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta property="csp-nonce" content="${nonce}" />
    <title>edge-auth API</title>
  </head>
  <body>
    <div id="app"></div>
    <script src="${SCALAR.src}" integrity="${SCALAR.integrity}" crossorigin="anonymous"></script>
    <script nonce="${nonce}">Scalar.createApiReference("#app", { url: "/api/openapi.json" });</script>
  </body>
</html>`;

/**
 * GET /api/openapi.json (OpenAPI 3.1, from the same declarations that validate requests) and
 * GET /api/docs, unless API_DOCS=false: the docs page shares its origin with the reset page,
 * so an operator may prefer to serve no third-party script there at all (the document stays).
 */
export function mountDocs(app: OpenAPIHono<AppEnv>) {
  let doc: unknown;
  app.get("/api/openapi.json", (c) => {
    // Built once per isolate: the routes do not change while it lives.
    doc ??= withDjangoPaths(app.getOpenAPI31Document({ openapi: "3.1.0", info: INFO }));
    return c.json(doc as object, 200, { "Cache-Control": "public, max-age=300" });
  });
  app.get("/api/docs", (c) => {
    if (!c.get("deps").config.API_DOCS) throw detailError(404, MSG.notFound, "not_found");
    const nonce = crypto.randomUUID().replace(/-/g, "");
    const csp = [
      "default-src 'none'",
      `script-src 'nonce-${nonce}' ${SCALAR.src}`,
      // Scalar styles itself at run time and loads its fonts.
      "style-src 'unsafe-inline' https://fonts.googleapis.com",
      "font-src https://fonts.scalar.com https://fonts.gstatic.com data:",
      "img-src 'self' data: https:",
      "connect-src 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "form-action 'none'",
    ].join("; ");
    return c.html(page(nonce), 200, { "Content-Security-Policy": csp });
  });
}
