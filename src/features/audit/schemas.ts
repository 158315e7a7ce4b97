import { z } from "@hono/zod-openapi";
import { integerQuery } from "../../kernel/http/fields";
import { MSG } from "../../kernel/messages";

const AuditEventSchema = z
  .object({
    id: z.string(),
    at: z.string(),
    type: z.string(),
    user_id: z.number().int().nullable(),
    actor_id: z.number().int().nullable(),
    session_id: z.string().nullable(),
    ip: z.string().nullable(),
    user_agent: z.string().nullable(),
    country: z.string().nullable(),
    detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  })
  .openapi("AuditEvent");

export const EventPage = z.object({ results: z.array(AuditEventSchema), next: z.string().nullable() }).openapi("AuditEventPage");

const cursor = z.string().optional().openapi({ description: "The `next` of the previous page (opaque)" });
const limit = integerQuery(1, 100).optional().openapi({ description: "1-100, default 50" });

export const OwnEventsQuery = z.object({ cursor, limit });

/** The admin's filter; `eventTypes` is every capability's declared list, assembled by the app. */
export const adminEventsQuery = (eventTypes: readonly string[]) => z.object({
  user_id: integerQuery(1, Number.MAX_SAFE_INTEGER).optional(),
  type: z
    .string()
    .refine((v) => eventTypes.includes(v), { error: (i) => MSG.invalidChoice(String(i.input)) })
    .optional()
    .openapi({ enum: [...eventTypes] }),
  cursor,
  limit,
});
