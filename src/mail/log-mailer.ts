import type { Mailer } from "./mailer";

/**
 * Local development without MAIL_API_KEY: the mail is printed so the developer can click
 * its link. Only chosen when no provider key is configured, which a deployment always has.
 */
export function logMailer(): Mailer {
  return {
    async send(mail) {
      console.log(`[dev mail] to=${mail.to} subject=${JSON.stringify(mail.subject)}\n${mail.text}`);
    },
  };
}
