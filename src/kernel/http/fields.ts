import { z } from "@hono/zod-openapi";
import { isValidEmail } from "../email";
import { MSG } from "../messages";

/**
 * zod field builders that speak DRF: each issue already carries the message DRF would
 * give, so mapping zod's issues to the envelope is only grouping by field.
 */
const typeMessage = (expected: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? MSG.required : issue.input === null ? MSG.notNull : expected;

/** DRF CharField: trims surrounding whitespace (as the Django serializers did), blank refused. */
export const charField = (maxLength: number) =>
  z
    .string({ error: typeMessage(MSG.notString) })
    .transform((v) => v.trim())
    .pipe(
      z
        .string()
        .min(1, MSG.blank)
        .refine((v) => [...v].length <= maxLength, MSG.maxLength(maxLength)),
    );

/**
 * Control characters (Cc: NUL, CR, LF, …), line and paragraph separators, and format
 * characters (Cf: bidi overrides and isolates that reorder what a mail shows, invisible
 * joiners and marks, BOM). ZWNJ and ZWJ (U+200C, U+200D) stay allowed: Persian and Indic
 * names and emoji sequences need them.
 */
const UNSAFE_IN_TEXT = /[\p{Cc}\u2028\u2029]|(?![\u200c\u200d])\p{Cf}/u;

/** A person's name: a CharField that refuses characters that could forge lines or reorder text in our mails. */
export const nameField = (maxLength: number) =>
  charField(maxLength).refine((v) => !UNSAFE_IN_TEXT.test(v), MSG.controlCharacters);

/** DRF EmailField (Django's EmailValidator), max 255 as the Django model had. */
export const emailField = () =>
  z
    .string({ error: typeMessage(MSG.notString) })
    .transform((v) => v.trim())
    .pipe(
      z
        .string()
        .min(1, MSG.blank)
        .max(255, MSG.maxLength(255))
        .refine(isValidEmail, MSG.invalidEmail),
    )
    .openapi({ format: "email", example: "ada@example.com" });

export const PASSWORD_MAX = 4096;
export const passwordField = () =>
  charField(PASSWORD_MAX).openapi({ format: "password", example: "correct-horse-battery" });

const TRUE_VALUES = new Set<unknown>(["t", "T", "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "1", 1, true]);
const FALSE_VALUES = new Set<unknown>(["f", "F", "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "0", 0, false]);

/** DRF BooleanField: accepts the same spellings of true and false. */
export const booleanField = () =>
  z
    .unknown()
    .superRefine((v, ctx) => {
      if (v === undefined) ctx.addIssue({ code: "custom", message: MSG.required });
      else if (v === null) ctx.addIssue({ code: "custom", message: MSG.notNull });
      else if (!TRUE_VALUES.has(v) && !FALSE_VALUES.has(v)) ctx.addIssue({ code: "custom", message: MSG.notBoolean });
    })
    .transform((v) => TRUE_VALUES.has(v))
    .openapi({ type: "boolean", example: true });

/**
 * simplejwt's token fields (DRF CharField): a string or a number (as its text), surrounding
 * whitespace trimmed, blank refused; no length cap, so anything that is not a valid token of
 * the right type reaches the token check and gets its 401 token_not_valid.
 */
export const tokenField = () =>
  z
    .unknown()
    .superRefine((v, ctx) => {
      if (v === undefined) ctx.addIssue({ code: "custom", message: MSG.required });
      else if (v === null) ctx.addIssue({ code: "custom", message: MSG.notNull });
      else if (typeof v !== "string" && !(typeof v === "number" && Number.isFinite(v))) ctx.addIssue({ code: "custom", message: MSG.notString });
      else if (String(v).trim() === "") ctx.addIssue({ code: "custom", message: MSG.blank });
    })
    .transform((v) => String(v).trim())
    .openapi({ type: "string" });

/** DRF IntegerField in a query string: digits only, within [min, max], DRF's messages. */
export const integerQuery = (min: number, max: number) =>
  z
    .string()
    .superRefine((v, ctx) => {
      if (!/^\s*-?\d{1,16}\s*$/.test(v)) ctx.addIssue({ code: "custom", message: MSG.invalidInteger });
      else if (Number(v) < min) ctx.addIssue({ code: "custom", message: MSG.minValue(min) });
      else if (Number(v) > max) ctx.addIssue({ code: "custom", message: MSG.maxValue(max) });
    })
    .transform((v) => Number(v))
    .openapi({ type: "integer", minimum: min, maximum: max });
