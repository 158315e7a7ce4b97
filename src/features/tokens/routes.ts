import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { json } from "../../kernel/http/openapi";
import type { AppEnv } from "../../kernel/http/types";
import { keyring } from "./jwt";

const Jwks = z.object({ keys: z.array(z.record(z.string(), z.string())) }).openapi("JWKS");

/**
 * The public keys that verify this worker's tokens, so other services need no secret.
 * Cached for five minutes: the key-rotation runbook waits that long before a new key signs.
 */
export const tokenRoutes = new OpenAPIHono<AppEnv>().openapi(
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
