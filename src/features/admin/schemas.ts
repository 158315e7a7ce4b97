import { z } from "@hono/zod-openapi";
import { booleanField, integerQuery, nameField } from "../../kernel/http/fields";

export const AdminUser = z
  .object({
    id: z.number().int(),
    email: z.string(),
    name: z.string(),
    tc: z.boolean(),
    is_active: z.boolean(),
    is_admin: z.boolean(),
    email_verified: z.boolean(),
    mfa_enabled: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
    last_login: z.string().nullable(),
  })
  .openapi("AdminUser");

export const UserPage = z.object({ results: z.array(AdminUser), next: z.string().nullable() }).openapi("AdminUserPage");

export const UserListQuery = z.object({
  search: z.string().max(254).optional().openapi({ description: "Matches e-mail or name, case-insensitively (substring)" }),
  is_active: booleanField().optional(),
  cursor: z.string().optional().openapi({ description: "The `next` of the previous page (opaque)" }),
  limit: integerQuery(1, 100).optional().openapi({ description: "1-100, default 50" }),
});

export const UserIdParams = z.object({ id: z.string().openapi({ param: { name: "id", in: "path" }, example: "42" }) });

export const UserPatchBody = z
  .object({
    name: nameField(200).optional(),
    is_active: booleanField().optional(),
    is_admin: booleanField().optional(),
    email_verified: booleanField().optional(),
  })
  .openapi("AdminUserPatch");
export type UserPatchBody = z.infer<typeof UserPatchBody>;

export const LogoutAllResult = z.object({ msg: z.string(), revoked: z.number().int() }).openapi("AdminLogoutAllResponse");
