import type { Deps, SecurityEventSink } from "../../kernel/deps";
import { escapeHtml, shownText, type Mail } from "../../kernel/mail";
import { findUserById, type User } from "../users";

type SecurityChange = "passkey_added" | "identity_linked" | "mfa_disabled" | "password_changed";

const WHAT: Record<SecurityChange, { subject: string; happened: string; undo: string }> = {
  passkey_added: {
    subject: "A passkey was added to your account",
    happened: "A passkey was added to your account.",
    undo: "If this was not you, remove the passkey in your account's security settings, sign out your other sessions and change your password.",
  },
  identity_linked: {
    subject: "A sign-in provider was linked to your account",
    happened: "An identity provider was linked to your account: it can now be used to sign in.",
    undo: "If this was not you, unlink it in your account's security settings, sign out your other sessions and change your password.",
  },
  mfa_disabled: {
    subject: "Two-factor authentication was turned off",
    happened: "Two-factor authentication was turned off for your account.",
    undo: "If this was not you, change your password, sign out your other sessions and turn two-factor authentication on again.",
  },
  password_changed: {
    subject: "Your password was changed",
    happened: "The password of your account was changed.",
    undo: "If this was not you, reset your password with \"Forgot password\" at once and sign out your other sessions.",
  },
};

/**
 * The security notice: what happened, when, from which device, and how to undo it. Generic
 * greeting and no link (the address may never have been proven, and a notice must not be a
 * way in). The device is the request's: read now, sent once the answer has left.
 */
export function notifySecurityChange(d: Deps, user: Pick<User, "id" | "email">, what: SecurityChange): void {
  sendNotice(d, user.id, async () => user.email, what);
}

/** The changes of capabilities below this one (MFA, passwords) that get a notice: their events. */
const NOTICE_ON: Partial<Record<string, SecurityChange>> = { "mfa.disabled": "mfa_disabled", "password.changed": "password_changed" };

/** As a security event sink: the notice of a change whose capability cannot call this one (it sits below). */
export const noticeOnEvent: SecurityEventSink = (d, event) => {
  const what = NOTICE_ON[event.type];
  const userId = event.userId;
  if (!what || userId === null) return;
  sendNotice(d, userId, async () => (await findUserById(d.db, userId))?.email, what);
};

function sendNotice(d: Deps, userId: number, address: () => Promise<string | undefined>, what: SecurityChange) {
  const when = new Date();
  const client = { ...d.client };
  d.afterAnswer(async () => {
    try {
      const to = await address();
      if (!to) return;
      await d.mailer().send(securityNoticeMail(to, what, when, client));
      d.log.event("mail_sent", { user_id: userId, kind: `notice_${what}` });
    } catch (err) {
      // No transport (the 503 configuration error) or the provider failed: the change stands.
      d.log.event("mail_failed", { user_id: userId, kind: `notice_${what}`, reason: String((err as Error)?.message ?? err) });
    }
  });
}

function securityNoticeMail(to: string, what: SecurityChange, when: Date, client: Deps["client"]): Mail {
  const w = WHAT[what];
  const device = client.userAgent ? shownText(client.userAgent, 120) : "an unknown device";
  const where = client.country ? ` (country: ${shownText(client.country, 8)})` : "";
  const lines = [
    "Hello,",
    "",
    w.happened,
    `When: ${when.toISOString().replace("T", " ").slice(0, 19)} UTC`,
    `Device: ${device}${where}`,
    "",
    w.undo,
    "If it was you, you can ignore this mail.",
  ];
  const html = `<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">${lines
    .filter((l) => l)
    .map((l) => `<p>${escapeHtml(l)}</p>`)
    .join("\n")}</body></html>`;
  return { to, subject: w.subject, text: lines.join("\n"), html };
}
