import type { Mail } from "../../kernel/mail";

/**
 * To the account's address when second steps keep failing: whoever typed them knew the
 * password. No name in it (the address may never have been proven) and no link.
 */
export function secondStepFailedMail(to: string, locked: boolean): Mail {
  const lines = [
    "Hello,",
    "",
    "Someone signed in to your account with your password, then failed the two-factor step " +
      (locked ? "ten times: two-factor sign-in is paused for 15 minutes, for you too." : "five times in a row."),
    "",
    "If this was not you, your password is known to someone else: change it now, and sign out your other sessions.",
    "If it was you, you can ignore this mail.",
  ];
  const html = `<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">${lines
    .filter((l) => l)
    .map((l) => `<p>${l}</p>`)
    .join("\n")}</body></html>`;
  return { to, subject: locked ? "Two-factor sign-in paused on your account" : "Failed two-factor sign-in on your account", text: lines.join("\n"), html };
}
