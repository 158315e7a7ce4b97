import { escapeHtml, shownText, type Mail } from "../../kernel/mail";

const hours = (seconds: number) => {
  const h = Math.round(seconds / 3600);
  if (h >= 1) return `${h} hour${h === 1 ? "" : "s"}`;
  const m = Math.max(1, Math.round(seconds / 60));
  return `${m} minute${m === 1 ? "" : "s"}`;
};

function page(paragraphs: string[], link?: { href: string; label: string }, after: string[] = []) {
  const p = (t: string, muted = false) => `<p${muted ? ' style="color:#555"' : ""}>${escapeHtml(t)}</p>`;
  return `<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">
${paragraphs.map((t) => p(t)).join("\n")}
${link ? `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.label)}</a></p>\n<p style="color:#555">Or copy it into your browser: ${escapeHtml(link.href)}</p>` : ""}
${after.map((t) => p(t, true)).join("\n")}
</body></html>`;
}

/**
 * Mails to an address nobody has proven yet greet generically: the name is text the requester
 * typed, and whoever registers someone else's address must not get to write into that inbox.
 */
const UNPROVEN_GREETING = "Hello,";

/** The link that proves an address: sent at registration (optional, mandatory) and on request. */
export function verificationMail(to: string, link: string, ttlSeconds: number): Mail {
  const hello = UNPROVEN_GREETING;
  const ask = "Please confirm that this is your email address by opening this link:";
  const note = `The link works once and expires in ${hours(ttlSeconds)}. If you did not create an account, ignore this mail.`;
  return {
    to,
    subject: "Confirm your email address",
    text: [hello, "", ask, "", link, "", note].join("\n"),
    html: page([hello, ask], { href: link, label: "Confirm my email address" }, [note]),
  };
}

/** To the new address of a change: the link that completes it. */
export function changeLinkMail(to: string, link: string, ttlSeconds: number): Mail {
  const hello = UNPROVEN_GREETING;
  const ask = "Someone asked to use this address for their account. To confirm the change, open this link:";
  const note = `The link works once and expires in ${hours(ttlSeconds)}. If you did not ask for it, ignore this mail: nothing changes.`;
  return {
    to,
    subject: "Confirm your new email address",
    text: [hello, "", ask, "", link, "", note].join("\n"),
    html: page([hello, ask], { href: link, label: "Confirm my new email address" }, [note]),
  };
}

/** To a new address that already has an account: a notice, no link (the API answer is the same). */
export function changeTakenMail(to: string): Mail {
  const lines = [
    UNPROVEN_GREETING,
    "Someone asked to move another account to this email address. This address already has an account, so nothing was changed.",
    "If this was you, sign in to your existing account instead. If not, you can ignore this mail.",
  ];
  return { to, subject: "Email change request", text: lines.join("\n\n"), html: page(lines) };
}

/** To the old address: the request, so a taken-over session cannot move the account away unseen. */
export function changeRequestedMail(to: string, fullName: string, newEmail: string): Mail {
  const lines = [
    `Hello ${shownText(fullName)},`,
    `Someone asked to change the email address of your account to ${shownText(newEmail, 254)}. The change happens only when the link sent to the new address is opened and confirmed.`,
    "If this was not you, change your password now: whoever asked knew it.",
  ];
  return { to, subject: "Your email address is being changed", text: lines.join("\n\n"), html: page(lines) };
}

/** An address as the old one's notice names it: its first character and domain (a***@example.com). */
function maskEmail(email: string): string {
  const at = email.lastIndexOf("@");
  const local = at > 0 ? email.slice(0, at) : email;
  return `${[...local][0] ?? ""}***${at > 0 ? email.slice(at) : ""}`;
}

/**
 * To the old address once a change completed: the owner learns where the account went even
 * if whoever changed it holds the session. Generic greeting: the name may be the new owner's text.
 */
export function emailChangedMail(to: string, newEmail: string): Mail {
  const lines = [
    "Hello,",
    `Your email address was changed. Your account now uses ${maskEmail(newEmail)}; this address no longer signs in to it.`,
    "If this was not you, reset your password and contact us at once: whoever changed it had access to your account.",
  ];
  return { to, subject: "Your email address was changed", text: lines.join("\n\n"), html: page(lines) };
}
