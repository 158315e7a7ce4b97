/** A message as the provider receives it: Resend's JSON fields. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface Mailer {
  /** Resolves once the provider accepted the mail; rejects with a reason that is safe to log. */
  send(mail: Mail): Promise<void>;
}
