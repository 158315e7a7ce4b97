/**
 * The wording every capability shares: DRF's field and request messages, word for word,
 * because front ends match on them. A capability's own wording lives in its messages.ts.
 */
export const MSG = {
  required: "This field is required.",
  notNull: "This field may not be null.",
  blank: "This field may not be blank.",
  notString: "Not a valid string.",
  notBoolean: "Must be a valid boolean.",
  invalidInteger: "A valid integer is required.",
  minValue: (n: number) => `Ensure this value is greater than or equal to ${n}.`,
  maxValue: (n: number) => `Ensure this value is less than or equal to ${n}.`,
  invalidChoice: (v: string) => `"${v}" is not a valid choice.`,
  invalidCursor: "Invalid cursor",
  maxLength: (n: number) => `Ensure this field has no more than ${n} characters.`,
  invalidEmail: "Enter a valid email address.",
  controlCharacters: "This field may not contain control or formatting characters.",
  notObject: (got: string) => `Invalid data. Expected a dictionary, but got ${got}.`,
  parseError: "JSON parse error - Expecting value: line 1 column 1 (char 0)",
  unsupportedMediaType: (type: string) => `Unsupported media type "${type}" in request.`,
  methodNotAllowed: (method: string) => `Method "${method}" not allowed.`,
  notFound: "Not found.",
  tooLarge: "Request body is larger than 65536 bytes.",
  serverError: "A server error occurred.",
  unavailable: "Service temporarily unavailable",
  notAuthenticated: "Authentication credentials were not provided.",
  throttled: (seconds: number) => `Request was throttled. Expected available in ${seconds} second${seconds === 1 ? "" : "s"}.`,
} as const;
