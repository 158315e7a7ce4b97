import { detailError, fieldError, nonFieldError } from "../../kernel/errors";
import { MSG } from "../../kernel/messages";

/** DRF's IsAdminUser wording, and the admin API's own. */
export const ADMIN_MSG = {
  permissionDenied: "You do not have permission to perform this action.",
  cannotDeactivateSelf: "You cannot deactivate your own account.",
  cannotDemoteSelf: "You cannot remove your own admin status.",
  cannotDeleteSelf: "You cannot delete your own account.",
  lastAdmin: "At least one active admin must remain.",
  loggedOut: "Logged out",
  mfaReset: "Two-factor authentication reset",
} as const;

export const permissionDenied = () => detailError(403, ADMIN_MSG.permissionDenied, "permission_denied");
export const userNotFound = () => detailError(404, MSG.notFound, "not_found");
export const cannotDeactivateSelf = () => fieldError("is_active", ADMIN_MSG.cannotDeactivateSelf);
export const cannotDemoteSelf = () => fieldError("is_admin", ADMIN_MSG.cannotDemoteSelf);
export const cannotDeleteSelf = () => nonFieldError(ADMIN_MSG.cannotDeleteSelf);
export const lastAdminMustRemain = () => nonFieldError(ADMIN_MSG.lastAdmin);
export const invalidCursor = () => fieldError("cursor", MSG.invalidCursor);
