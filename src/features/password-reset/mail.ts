import { escapeHtml, shownText, type Mail } from "../../kernel/mail";

/** The reset mail: plain text for every client, HTML for the rest, the same link in both. */
export function resetPasswordMail(to: string, fullName: string, link: string, minutes: number): Mail {
  const name = shownText(fullName);
  const subject = "Reset your password";
  const text = [
    `Hello ${name},`,
    "",
    "Someone asked to reset the password of your account. To choose a new one, open this link:",
    "",
    link,
    "",
    `The link works once and expires in ${minutes} minutes. If you did not ask for it, ignore this mail: your password stays as it is.`,
  ].join("\n");
  const html = `<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">
<p>Hello ${escapeHtml(name)},</p>
<p>Someone asked to reset the password of your account. To choose a new one, follow this link:</p>
<p><a href="${escapeHtml(link)}">Reset my password</a></p>
<p style="color:#555">Or copy it into your browser: ${escapeHtml(link)}</p>
<p style="color:#555">The link works once and expires in ${minutes} minutes. If you did not ask for it, ignore this mail: your password stays as it is.</p>
</body></html>`;
  return { to, subject, text, html };
}
