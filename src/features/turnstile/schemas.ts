import { z } from "@hono/zod-openapi";

/**
 * A guarded route's body schema with `turnstile_token` documented as an optional field. It
 * validates nothing: the guard checks the token before validation, and a route whose guard
 * is off ignores the field like any unknown one.
 */
export function withTurnstileToken<Shape extends z.ZodRawShape>(schema: z.ZodObject<Shape>) {
  return schema.extend({
    turnstile_token: z.unknown().optional().openapi({
      type: "string",
      description: "The Turnstile widget's token: required when TURNSTILE_SECRET is set and this route is in TURNSTILE_ROUTES (docs/turnstile.md).",
    }),
  });
}
