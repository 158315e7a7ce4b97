import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { json, UserError } from "../../kernel/http/openapi";
import type { AppEnv } from "../../kernel/http/types";

const Status = z.object({ status: z.literal("ok") }).openapi("HealthStatus");

/** Probes: /livez touches nothing (the process answers), /healthz asks D1 the least it can. */
export const healthRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: "get",
      path: "/livez",
      tags: ["health"],
      summary: "The worker answers (no storage touched)",
      responses: { 200: json(Status, "Alive") },
    }),
    (c) => c.json({ status: "ok" as const }, 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/healthz",
      tags: ["health"],
      summary: "D1 answers a trivial query",
      responses: { 200: json(Status, "Healthy"), 503: json(UserError, "D1 unreachable") },
    }),
    async (c) => {
      // A failure throws the storage AppError: 503 in the envelope, nothing else revealed.
      await c.get("deps").db.run(sql`select 1`);
      return c.json({ status: "ok" as const }, 200);
    },
  );
