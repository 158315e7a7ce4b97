import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { authErrors, bearer, json, UserError } from "../../kernel/http/openapi";
import type { AppEnv } from "../../kernel/http/types";
import { validationHook } from "../../kernel/http/validation";
import { requireAdmin } from "../admin";
import { requireAccessToken } from "../sessions";
import { adminEventsQuery, EventPage, OwnEventsQuery } from "./schemas";
import { allEvents, ownEvents } from "./service";

/** The audit log: one's own events, and (admins) everyone's, filtered by the app's event types. */
export const auditRoutes = (eventTypes: readonly string[]) =>
  new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    createRoute({
      method: "get",
      path: "/api/user/events",
      tags: ["audit"],
      summary: "The caller's own security events, newest first",
      security: bearer,
      middleware: [requireAccessToken] as const,
      request: { query: OwnEventsQuery },
      responses: { 200: json(EventPage, "A page of events and the cursor of the next one (null: last page)"), ...authErrors, 400: json(UserError, "Bad cursor or limit") },
    }),
    async (c) => c.json(await ownEvents(c.get("deps"), c.get("auth").user.id, c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/admin/events",
      tags: ["admin", "audit"],
      summary: "All security events, newest first, by user and type",
      security: bearer,
      middleware: [requireAccessToken, requireAdmin] as const,
      request: { query: adminEventsQuery(eventTypes) },
      responses: {
        200: json(EventPage, "A page of events and the cursor of the next one (null: last page)"),
        ...authErrors,
        400: json(UserError, "Bad filter, cursor or limit"),
        403: json(UserError, "The caller is not an admin"),
      },
    }),
    async (c) => c.json(await allEvents(c.get("deps"), c.req.valid("query")), 200),
  );
