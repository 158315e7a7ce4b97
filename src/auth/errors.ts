/**
 * What the account and token modules can refuse, in their own terms; the HTTP layer
 * (http/domain-errors.ts) chooses the status, envelope and Django wording.
 */
export type DomainErrorCode =
  | "email_taken"
  | "bad_credentials"
  | "current_password_wrong"
  | "password_rules"
  | "reset_link_invalid"
  | "token_invalid"
  | "token_wrong_type"
  | "session_not_found";

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    /** Rule messages for password_rules. */
    readonly messages: string[] = [],
  ) {
    super(code);
    this.name = "DomainError";
  }
}
