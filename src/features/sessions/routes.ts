import { consistency } from "../../kernel/http/context";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { booleanField } from "../../kernel/http/fields";
import { authErrors, bearer, body, json, UserError, userErrors } from "../../kernel/http/openapi";
import type { AppEnv } from "../../kernel/http/types";
import { validationHook } from "../../kernel/http/validation";
import { listSessions, revokeAllSessions, revokeOwnSession } from "./manage";
import { SESSION_MSG } from "./messages";
import { requireAccessToken } from "./require-auth";

const Session = z
  .object({
    id: z.string(),
    created_at: z.string(),
    last_used_at: z.string(),
    expires_at: z.string(),
    user_agent: z.string().nullable(),
    country: z.string().nullable(),
    current: z.boolean(),
  })
  .openapi("Session");
const LogoutAllBody = z.object({ keep_current: booleanField().optional() }).openapi("LogoutAllRequest");
const LogoutAllResult = z.object({ msg: z.string(), revoked: z.number().int() }).openapi("LogoutAllResponse");
const SessionParams = z.object({ id: z.string().openapi({ param: { name: "id", in: "path" } }) });

/** The caller's sessions (one per login): list them, end one, end all; and simplejwt's token views. */
export const sessionRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    createRoute({
      method: "get",
      path: "/api/user/sessions",
      tags: ["sessions"],
      summary: "The caller's live sessions",
      security: bearer,
      middleware: [consistency("revocation"), requireAccessToken] as const,
      responses: { 200: json(z.array(Session), "Live sessions, most recently used first"), ...authErrors },
    }),
    async (c) => {
      const { user, claims } = c.get("auth");
      return c.json(await listSessions(c.get("deps"), user.id, claims.sid), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/api/user/sessions/{id}",
      tags: ["sessions"],
      summary: "End one of the caller's sessions",
      security: bearer,
      middleware: [requireAccessToken] as const,
      request: { params: SessionParams },
      responses: { 204: { description: "Ended" }, ...authErrors, 404: json(UserError, "No such session of the caller") },
    }),
    async (c) => {
      await revokeOwnSession(c.get("deps"), c.get("auth").user.id, c.req.valid("param").id);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/user/logout-all",
      tags: ["sessions"],
      summary: "End every session, or every other one with keep_current",
      security: bearer,
      middleware: [requireAccessToken] as const,
      request: body(LogoutAllBody),
      responses: { 200: json(LogoutAllResult, "Sessions ended"), ...authErrors, ...userErrors },
    }),
    async (c) => {
      const { user, claims } = c.get("auth");
      const keep = c.req.valid("json").keep_current ? claims.sid : undefined;
      const revoked = await revokeAllSessions(c.get("deps"), user.id, keep);
      return c.json({ msg: SESSION_MSG.loggedOut, revoked }, 200);
    },
  );
