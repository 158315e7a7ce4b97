/**
 * Every client-visible message, word for word as the Django API (DRF, simplejwt and the
 * account app) says it: front ends match on these strings, so they live in one place.
 */
export const MSG = {
  required: "This field is required.",
  notNull: "This field may not be null.",
  blank: "This field may not be blank.",
  notString: "Not a valid string.",
  notBoolean: "Must be a valid boolean.",
  maxLength: (n: number) => `Ensure this field has no more than ${n} characters.`,
  invalidEmail: "Enter a valid email address.",
  notObject: (got: string) => `Invalid data. Expected a dictionary, but got ${got}.`,
  parseError: "JSON parse error - Expecting value: line 1 column 1 (char 0)",
  unsupportedMediaType: (type: string) => `Unsupported media type "${type}" in request.`,
  methodNotAllowed: (method: string) => `Method "${method}" not allowed.`,
  notFound: "Not found.",
  tooLarge: "Request body is larger than 65536 bytes.",
  serverError: "A server error occurred.",
  unavailable: "Service temporarily unavailable",

  passwordMismatch: "Password and Confirm Password doesn't match",
  termsRequired: "You must accept the terms and conditions.",
  emailTaken: "user with this Email already exists.",
  loginFailed: "Email or Password is not Valid",
  currentPasswordWrong: "Your old password was entered incorrectly. Please enter it again.",
  resetTokenInvalid: "Token is not Valid or Expired",

  registered: "Registration Successful",
  loggedIn: "Login Success",
  passwordChanged: "Password Changed Successfully",
  resetSent: "Password Reset link send. Please check your Email",
  resetDone: "Password Reset Successfully",

  notAuthenticated: "Authentication credentials were not provided.",
  tokenNotValidForAnyType: "Given token not valid for any token type",
  tokenInvalid: "Token is invalid or expired",
  tokenWrongType: "Token has wrong type",
  noActiveAccount: "No active account found with the given credentials",
  sessionNotFound: "Not found.",
  throttled: (seconds: number) => `Request was throttled. Expected available in ${seconds} second${seconds === 1 ? "" : "s"}.`,
} as const;
