import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { keyring } from "../auth/tokens";
import { json } from "../http/schemas";
import type { AppEnv } from "../http/types";

const Jwks = z.object({ keys: z.array(z.record(z.string(), z.string())) }).openapi("JWKS");

/**
 * The public keys that verify this worker's tokens, so other services need no secret.
 * Cached for five minutes: the key-rotation runbook waits that long before a new key signs.
 */
export const jwksRoutes = new OpenAPIHono<AppEnv>().openapi(
  createRoute({
    method: "get",
    path: "/.well-known/jwks.json",
    tags: ["token"],
    summary: "Public signing keys (empty for HS256)",
    responses: { 200: json(Jwks, "JSON Web Key Set") },
  }),
  async (c) => {
    const { jwks } = await keyring(c.get("deps").config);
    return c.json(jwks as z.infer<typeof Jwks>, 200, { "Cache-Control": "public, max-age=300" });
  },
);
