import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { changePassword, login, register, registrationProblems } from "../auth/accounts";
import { confirmReset, requestReset } from "../auth/reset";
import { requireAccessToken } from "../http/authenticate";
import { ApiError, nonFieldError } from "../http/errors";
import { MSG } from "../http/messages";
import {
  authErrors,
  body,
  ChangePasswordBody,
  json,
  LoginBody,
  Msg,
  Profile,
  RegisterBody,
  ResetBody,
  ResetEmailBody,
  ResetParams,
  TokenMsg,
  UserError,
  userErrors,
} from "../http/schemas";
import type { AppEnv } from "../http/types";
import { clientIp, throttle, throttleLogin } from "../http/throttle";
import { validationHook } from "../http/validation";

const bearer = [{ bearerAuth: [] }];

const mismatch = (a: string, b: string) => {
  if (a !== b) throw nonFieldError(MSG.passwordMismatch);
};

export const userRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    createRoute({
      method: "post",
      path: "/api/user/register",
      tags: ["user"],
      summary: "Create an account and sign in",
      request: body(RegisterBody),
      responses: { 201: json(TokenMsg, "Registered; a token pair for the new session"), ...userErrors },
    }),
    async (c) => {
      const b = c.req.valid("json");
      const d = c.get("deps");
      await throttle(c, [["REGISTER_IP_LIMITER", clientIp(c)]]);
      const fields: Record<string, string[]> = {};
      if (!b.tc) fields.tc = [MSG.termsRequired];
      const problems = await registrationProblems(d, b);
      if (problems.email) fields.email = [MSG.emailTaken];
      if (problems.password) fields.password = problems.password;
      if (Object.keys(fields).length) throw new ApiError(400, fields);
      mismatch(b.password, b.password2);
      const token = await register(d, b);
      return c.json({ token, msg: MSG.registered }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/user/login",
      tags: ["user"],
      summary: "Sign in with e-mail and password",
      request: body(LoginBody),
      responses: { 200: json(TokenMsg, "Signed in"), 401: json(UserError, "Email or Password is not Valid"), ...userErrors },
    }),
    async (c) => {
      const { email, password } = c.req.valid("json");
      await throttleLogin(c, email);
      const token = await login(c.get("deps"), email, password);
      return c.json({ token, msg: MSG.loggedIn }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/user/profile",
      tags: ["user"],
      summary: "The signed-in user",
      security: bearer,
      middleware: [requireAccessToken] as const,
      responses: { 200: json(Profile, "The user"), ...authErrors },
    }),
    (c) => {
      const { user } = c.get("auth");
      return c.json(
        {
          id: user.id,
          email: user.email,
          name: user.name,
          tc: user.tc,
          is_admin: user.isAdmin,
          created_at: user.createdAt.toISOString(),
          updated_at: user.updatedAt.toISOString(),
          last_login: user.lastLogin?.toISOString() ?? null,
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/user/changepassword",
      tags: ["user"],
      summary: "Change the password (current password required)",
      security: bearer,
      middleware: [requireAccessToken] as const,
      request: body(ChangePasswordBody),
      responses: { 200: json(Msg, "Changed; every other session is signed out"), ...authErrors, ...userErrors },
    }),
    async (c) => {
      const b = c.req.valid("json");
      mismatch(b.password, b.password2);
      const { user, claims } = c.get("auth");
      await changePassword(c.get("deps"), user, claims.sid, b.current_password, b.password);
      return c.json({ msg: MSG.passwordChanged }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/user/send-reset-password-email",
      tags: ["user"],
      summary: "Mail a password-reset link (same answer for unknown addresses)",
      request: body(ResetEmailBody),
      responses: { 200: json(Msg, "Accepted"), ...userErrors },
    }),
    async (c) => {
      const { email } = c.req.valid("json");
      const d = c.get("deps");
      await throttle(c, [
        ["RESET_EMAIL_LIMITER", d.log.emailRef(email)],
        ["RESET_IP_LIMITER", clientIp(c)],
      ]);
      const base = d.config.resetUrl ?? `${new URL(c.req.url).origin}/reset-password`;
      await requestReset(d, email, base);
      return c.json({ msg: MSG.resetSent }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/user/reset-password/{uid}/{token}",
      tags: ["user"],
      summary: "Set a new password with the link from the mail",
      request: { params: ResetParams, ...body(ResetBody) },
      responses: { 200: json(Msg, "Password set; every session is signed out"), ...userErrors },
    }),
    async (c) => {
      const { uid, token } = c.req.valid("param");
      const b = c.req.valid("json");
      mismatch(b.password, b.password2);
      await confirmReset(c.get("deps"), uid, token, b.password);
      return c.json({ msg: MSG.resetDone }, 200);
    },
  );
