/** The wording of e-mail sign-in (CONTRACT "v3, part 2", Passwordless e-mail), word for word. */
export const PASSWORDLESS_MSG = {
  // sic: the contract's wording, as the Django API's "Password Reset link send" is kept.
  started: "Sign-in code send. Please check your Email",
  invalidCode: "Invalid code",
  invalidChallenge: "Token is not Valid or Expired",
  tcRequired: "You must accept the terms and conditions.",
} as const;
