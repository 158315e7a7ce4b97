import { escapeHtml, type Mail } from "../../kernel/mail";

/**
 * The sign-in mail: the code once, as 8 contiguous digits on a line of its own outside the
 * link, and the link to the front end's page. It may go to an address nobody has proven (a
 * sign-up), so it greets generically and carries nothing the requester typed.
 */
export function signInMail(to: string, code: string, link: string, ttlSeconds: number): Mail {
  const minutes = Math.max(1, Math.round(ttlSeconds / 60));
  const hello = "Hello,";
  const ask = "Your sign-in code is:";
  const orLink = "Or sign in with this link:";
  const note = `The code and the link work once and expire in ${minutes} minutes. If you did not ask to sign in, ignore this mail: nobody can sign in without them.`;
  return {
    to,
    subject: "Your sign-in code",
    text: [hello, "", ask, "", code, "", orLink, "", link, "", note].join("\n"),
    html: `<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">
<p>${hello}</p>
<p>${ask}</p>
<p style="font-size:24px;letter-spacing:4px;font-weight:bold">${code}</p>
<p>${orLink}</p>
<p><a href="${escapeHtml(link)}">Sign in</a></p>
<p style="color:#555">${escapeHtml(note)}</p>
</body></html>`,
  };
}
