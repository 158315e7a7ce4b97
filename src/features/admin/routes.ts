import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { authErrors, bearer, body, json, Msg, UserError, userErrors } from "../../kernel/http/openapi";
import type { AppEnv } from "../../kernel/http/types";
import { validationHook } from "../../kernel/http/validation";
import { RESET_MSG } from "../password-reset";
import { requireAccessToken } from "../sessions";
import { ADMIN_MSG } from "./messages";
import { requireAdmin } from "./require-admin";
import { AdminUser, LogoutAllResult, UserIdParams, UserListQuery, UserPage, UserPatchBody } from "./schemas";
import { getUser, logoutUserEverywhere, parseUserId, patchUser, removeUser, resetUserMfa, searchUsers, sendResetEmail } from "./service";

const adminErrors = { ...authErrors, 403: json(UserError, "The caller is not an admin") };
const withUser = { ...adminErrors, 404: json(UserError, "No user with this id") };

/** The admin API (Django admin's user management): every route needs an admin's access token. */
export const adminRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    createRoute({
      method: "get",
      path: "/api/admin/users",
      tags: ["admin"],
      summary: "Users, by id, with search and cursor pagination",
      security: bearer,
      middleware: [requireAccessToken, requireAdmin] as const,
      request: { query: UserListQuery },
      responses: { 200: json(UserPage, "A page of users and the cursor of the next one (null: last page)"), ...adminErrors, 400: json(UserError, "Bad filter, limit or cursor") },
    }),
    async (c) => c.json(await searchUsers(c.get("deps"), c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/admin/users/{id}",
      tags: ["admin"],
      summary: "One user",
      security: bearer,
      middleware: [requireAccessToken, requireAdmin] as const,
      request: { params: UserIdParams },
      responses: { 200: json(AdminUser, "The user"), ...withUser },
    }),
    async (c) => c.json(await getUser(c.get("deps"), parseUserId(c.req.valid("param").id)), 200),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/api/admin/users/{id}",
      tags: ["admin"],
      summary: "Change name, is_active, is_admin, email_verified",
      description: "Deactivating a user revokes all of their sessions at once. An admin cannot deactivate or demote themselves (400).",
      security: bearer,
      middleware: [requireAccessToken, requireAdmin] as const,
      request: { params: UserIdParams, ...body(UserPatchBody) },
      responses: { 200: json(AdminUser, "The updated user"), ...withUser, ...userErrors },
    }),
    async (c) => {
      const id = parseUserId(c.req.valid("param").id);
      return c.json(await patchUser(c.get("deps"), c.get("auth").user, id, c.req.valid("json")), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/api/admin/users/{id}",
      tags: ["admin"],
      summary: "Delete a user and their sessions (their events stay)",
      security: bearer,
      middleware: [requireAccessToken, requireAdmin] as const,
      request: { params: UserIdParams },
      responses: { 204: { description: "Deleted" }, ...withUser, 400: json(UserError, "An admin cannot delete themselves") },
    }),
    async (c) => {
      await removeUser(c.get("deps"), c.get("auth").user, parseUserId(c.req.valid("param").id));
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/admin/users/{id}/logout-all",
      tags: ["admin"],
      summary: "End every session of the user",
      security: bearer,
      middleware: [requireAccessToken, requireAdmin] as const,
      request: { params: UserIdParams },
      responses: { 200: json(LogoutAllResult, "Sessions ended"), ...withUser },
    }),
    async (c) => {
      const revoked = await logoutUserEverywhere(c.get("deps"), c.get("auth").user, parseUserId(c.req.valid("param").id));
      return c.json({ msg: ADMIN_MSG.loggedOut, revoked }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/admin/users/{id}/mfa/reset",
      tags: ["admin"],
      summary: "Remove the user's two-factor authentication (they log in with the password and enrol again)",
      security: bearer,
      middleware: [requireAccessToken, requireAdmin] as const,
      request: { params: UserIdParams },
      responses: { 200: json(Msg, "MFA removed"), ...withUser },
    }),
    async (c) => {
      await resetUserMfa(c.get("deps"), c.get("auth").user, parseUserId(c.req.valid("param").id));
      return c.json({ msg: ADMIN_MSG.mfaReset }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/admin/users/{id}/send-reset-password-email",
      tags: ["admin"],
      summary: "Mail the user a password-reset link",
      security: bearer,
      middleware: [requireAccessToken, requireAdmin] as const,
      request: { params: UserIdParams },
      responses: { 200: json(Msg, "Sent (nothing is sent to an inactive account)"), ...withUser },
    }),
    async (c) => {
      const d = c.get("deps");
      const base = d.config.resetUrl ?? d.ownPage("/reset-password");
      await sendResetEmail(d, c.get("auth").user, parseUserId(c.req.valid("param").id), base);
      return c.json({ msg: RESET_MSG.sent }, 200);
    },
  );
