import { env } from "cloudflare:workers";
import { api } from "../support/api";
import type { CapturedMail, installMailbox } from "../support/mailbox";

export const FRONT = "https://app.test/sign-in/email";
export const LOGIN = { PASSWORDLESS: "login", PASSWORDLESS_URL: FRONT };
export const SIGNUP = { PASSWORDLESS: "signup", PASSWORDLESS_URL: FRONT };

export const STARTED = "Sign-in code send. Please check your Email";
export const INVALID_CODE = { errors: { code: ["Invalid code"] } };
export const INVALID_TOKEN = { errors: { token: ["Invalid code"] } };
export const DEAD = { errors: { non_field_errors: ["Token is not Valid or Expired"] } };
export const TC_REQUIRED = { errors: { tc: ["You must accept the terms and conditions."] } };

export type Vars = Record<string, string>;

export const start = (email: string, vars: Vars = LOGIN, extra: Record<string, unknown> = {}, headers?: Record<string, string>) =>
  api("/api/auth/email/start/", { body: { email, ...extra }, vars, headers });

export const verify = (body: Record<string, unknown>, vars: Vars = LOGIN, headers?: Record<string, string>) =>
  api("/api/auth/email/verify/", { body, vars, headers });

/** What a person reads in the mail: the code (8 digits on their own) and the link's two parts. */
export function readMail(mail: CapturedMail) {
  const link = mail.text.match(new RegExp(`${FRONT.replace(/[.]/g, "\\.")}/([A-Za-z0-9_-]+)/([A-Za-z0-9_-]+)/`));
  if (!link) throw new Error(`no sign-in link in the mail:\n${mail.text}`);
  const outside = mail.text.replace(link[0], "");
  const codes = outside.match(/(?<!\d)\d{8}(?!\d)/g) ?? [];
  if (codes.length !== 1) throw new Error(`expected the code once outside the link, found ${codes.length}`);
  return { code: codes[0]!, url: link[0], challengeId: link[1]!, token: link[2]! };
}

/** Starts a challenge for a mailed address and reads the mail it got. */
export async function startAndRead(mailbox: ReturnType<typeof installMailbox>, email: string, vars: Vars = LOGIN, extra: Record<string, unknown> = {}) {
  const before = mailbox.countFor(email);
  const res = await start(email, vars, extra);
  if (res.status !== 200) throw new Error(`start: ${res.status} ${JSON.stringify(res.body)}`);
  const mail = await mailbox.waitFor(email, 5000, before);
  const read = readMail(mail);
  if (read.challengeId !== res.body.challenge_id) throw new Error("the mailed link names another challenge");
  return { ...read, mail, challenge_id: res.body.challenge_id as string };
}

/** A code that is not `code` (a wrong guess). */
export const wrongCode = (code: string) => String((Number(code) + 1) % 1e8).padStart(8, "0");

export const userRow = (email: string) =>
  env.DB.prepare("SELECT id, name, tc, email_verified, password, is_active FROM users WHERE lower(email) = lower(?)").bind(email).first<{
    id: number;
    name: string;
    tc: number;
    email_verified: number;
    password: string;
    is_active: number;
  }>();

export const deactivate = (email: string) => env.DB.prepare("UPDATE users SET is_active = 0 WHERE lower(email) = lower(?)").bind(email).run();
