import { PASSWORD_MAX } from "../../kernel/http/fields";
import { Page } from "../../kernel/pages/page";
import { PASSWORD_RULES_HELP } from "../passwords";

/** What the page tells people about passwords: the server's own rules, then its limits. */
const PAGE_PASSWORD_RULES: readonly string[] = [
  ...PASSWORD_RULES_HELP,
  `Your password can contain at most ${PASSWORD_MAX} characters.`,
  "Spaces at the start or end are removed.",
];

export interface ResetFieldErrors {
  password: string[];
  password2: string[];
}

const FIELDS = [
  { name: "password", label: "New password" },
  { name: "password2", label: "Confirm new password" },
] as const;

function FieldError(props: { id: string; messages: string[] }) {
  return (
    <div class="error" id={props.id}>
      {props.messages.map((m) => (
        <p>
          <span class="visually-hidden">Error: </span>
          {m}
        </p>
      ))}
    </div>
  );
}

/**
 * The form. Errors appear in a summary (role="alert", links to the fields) and beside each
 * field; the first invalid field gets `autofocus`, so focus lands there without script.
 * Passwords are never written back into the page.
 */
export function ResetFormPage(props: { email: string; errors?: ResetFieldErrors }) {
  const errors = props.errors ?? { password: [], password2: [] };
  const firstInvalid = FIELDS.find((f) => errors[f.name].length > 0)?.name;
  const hasErrors = firstInvalid !== undefined;
  return (
    <Page title="Choose a new password" documentTitle={`${hasErrors ? "Error: " : ""}Choose a new password`}>
      <p class="lead">
        For the account <span class="account">{props.email}</span>
      </p>
      {hasErrors && (
        <div class="summary" role="alert" aria-labelledby="summary-title">
          <h2 id="summary-title">There is a problem</h2>
          <ul>
            {FIELDS.flatMap((f) =>
              errors[f.name].map((m) => (
                <li>
                  <a href={`#${f.name}`}>{m}</a>
                </li>
              )),
            )}
          </ul>
        </div>
      )}
      <form method="post" novalidate>
        {/* Lets password managers file the new password under the right account. */}
        <input type="text" name="username" autocomplete="username" value={props.email} readonly hidden />
        {FIELDS.map((f) => {
          const hintId = f.name === "password" ? "password-rules" : "password2-hint";
          const errorId = `${f.name}-error`;
          const invalid = errors[f.name].length > 0;
          return (
            <div class={invalid ? "field field-invalid" : "field"}>
              <label for={f.name}>{f.label}</label>
              {f.name === "password" ? (
                <div class="hint" id={hintId}>
                  <ul>
                    {PAGE_PASSWORD_RULES.map((r) => (
                      <li>{r}</li>
                    ))}
                  </ul>
                </div>
              ) : (
                <p class="hint" id={hintId}>
                  Type the same password again.
                </p>
              )}
              {invalid && <FieldError id={errorId} messages={errors[f.name]} />}
              <input
                type="password"
                id={f.name}
                name={f.name}
                autocomplete="new-password"
                required
                aria-describedby={invalid ? `${hintId} ${errorId}` : hintId}
                aria-invalid={invalid ? "true" : undefined}
                autofocus={f.name === firstInvalid}
              />
            </div>
          );
        })}
        <button type="submit">Change password</button>
      </form>
    </Page>
  );
}

/** An expired, used, superseded or tampered link: nothing to fill in, only the way forward. */
export function ResetDeadLinkPage(props: { minutes: number }) {
  const minutes = `${props.minutes}\u00a0minute${props.minutes === 1 ? "" : "s"}`;
  return (
    <Page title="This link has expired or was already used" state="bad">
      <p>
        A password reset link works only once and expires {minutes} after it is sent. Asking for another link also cancels the
        earlier ones.
      </p>
      <p>
        <strong>To choose a new password, request a new reset link</strong> from the app or website where you sign in, then open
        the link in the newest email.
      </p>
      <p class="lead">If you already changed your password with this link, you can sign in with your new password.</p>
    </Page>
  );
}

export function SuccessPage() {
  return (
    <Page title="Password changed" state="ok">
      <p class="panel" role="status">
        Your password has been changed. You can now sign in with your new password.
      </p>
      <p class="lead">For your security, every device that was signed in to this account has been signed out.</p>
    </Page>
  );
}

/** A request the page cannot use (too large, not a form, server failure). */
export function ResetProblemPage(props: { title: string; message: string; back?: string }) {
  return (
    <Page title={props.title} state="bad">
      <p>{props.message}</p>
      {props.back && (
        <p>
          <a href={props.back}>Go back to the password form</a>
        </p>
      )}
    </Page>
  );
}
