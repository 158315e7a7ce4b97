import { Page } from "../../kernel/pages/page";

/** Where the resend form posts: a page of its own, so it also works from a dead link. */
const RESEND_PATH = "/verify-email/resend/";

const lifetime = (seconds: number) => {
  const h = Math.round(seconds / 3600);
  if (h >= 1) return `${h}\u00a0hour${h === 1 ? "" : "s"}`;
  const m = Math.max(1, Math.round(seconds / 60));
  return `${m}\u00a0minute${m === 1 ? "" : "s"}`;
};

/**
 * The form that asks for a new verification link. The answer is the same for every address,
 * so it tells nobody whether an account exists.
 */
function ResendForm(props: { errors?: string[]; autofocus?: boolean }) {
  const errors = props.errors ?? [];
  const invalid = errors.length > 0;
  return (
    <form method="post" action={RESEND_PATH} novalidate>
      <div class={invalid ? "field field-invalid" : "field"}>
        <label for="email">Email address</label>
        <p class="hint" id="email-hint">
          We will send a new link if this address has an account that still needs verifying.
        </p>
        {invalid && (
          <div class="error" id="email-error">
            {errors.map((m) => (
              <p>
                <span class="visually-hidden">Error: </span>
                {m}
              </p>
            ))}
          </div>
        )}
        <input
          type="email"
          id="email"
          name="email"
          autocomplete="email"
          required
          aria-describedby={invalid ? "email-hint email-error" : "email-hint"}
          aria-invalid={invalid ? "true" : undefined}
          autofocus={invalid || props.autofocus}
        />
      </div>
      <button type="submit">Send a new link</button>
    </form>
  );
}

/** The verification page a mail links to: one button; only its POST verifies. */
export function VerifyPage(props: { email: string }) {
  return (
    <Page title="Confirm your email address">
      <p class="lead">
        For the account <span class="account">{props.email}</span>
      </p>
      <form method="post">
        <button type="submit">Confirm my email address</button>
      </form>
    </Page>
  );
}

export function VerifiedPage() {
  return (
    <Page title="Email address confirmed" state="ok">
      <p class="panel" role="status">
        Your email address is confirmed. You can now sign in.
      </p>
    </Page>
  );
}

/** The e-mail change page: shows both addresses, one button; only its POST changes anything. */
export function ChangePage(props: { oldEmail: string; newEmail: string }) {
  return (
    <Page title="Confirm your new email address">
      <p class="lead">
        The account <span class="account">{props.oldEmail}</span> will sign in with <span class="account">{props.newEmail}</span> from now on.
      </p>
      <form method="post">
        <button type="submit">Use my new email address</button>
      </form>
    </Page>
  );
}

export function ChangedPage(props: { newEmail: string }) {
  return (
    <Page title="Email address changed" state="ok">
      <p class="panel" role="status">
        Your account now uses <span class="account">{props.newEmail}</span>. Sign in with it from now on.
      </p>
    </Page>
  );
}

/**
 * A link that cannot be used. An expired one says so; either way a verification link page
 * offers a new link, and a change link page says how to ask again.
 */
export function EmailDeadLinkPage(props: { kind: "verify" | "change"; reason: "expired" | "invalid"; lifetimeSeconds: number }) {
  const title = props.reason === "expired" ? "This link has expired" : "This link is no longer valid";
  const life = lifetime(props.lifetimeSeconds);
  return (
    <Page title={title} state="bad">
      {props.reason === "expired" ? (
        <p>Links in these mails work for {life} after they are sent, and this one is older.</p>
      ) : (
        <p>
          A link works only once, and asking for another one cancels the earlier ones. It also stops working when the account's email address
          changes.
        </p>
      )}
      {props.kind === "verify" ? (
        <>
          <p>
            <strong>Get a new link</strong>, then open it from the newest email. If you already confirmed your address, you can simply sign in.
          </p>
          <ResendForm />
        </>
      ) : (
        <p>
          <strong>To change your email address, ask for the change again</strong> from the app or website where you sign in, then open the link in
          the newest email. If you already confirmed the change, sign in with your new address.
        </p>
      )}
    </Page>
  );
}

/** The standalone resend page (GET /verify-email/resend/), and the form again with its error. */
export function ResendPage(props: { errors?: string[] }) {
  const hasErrors = (props.errors ?? []).length > 0;
  return (
    <Page title="Get a new verification link" documentTitle={`${hasErrors ? "Error: " : ""}Get a new verification link`}>
      <ResendForm errors={props.errors} autofocus />
    </Page>
  );
}

export function ResendSentPage(props: { lifetimeSeconds: number }) {
  return (
    <Page title="Check your email" state="ok">
      <p class="panel" role="status">
        If this address has an account that still needs confirming, a new link is on its way. It works for {lifetime(props.lifetimeSeconds)}.
      </p>
      <p class="lead">Earlier links no longer work: use the one in the newest email.</p>
    </Page>
  );
}

/** A request the page cannot serve (throttled, storage down, failure). */
export function EmailProblemPage(props: { title: string; message: string }) {
  return (
    <Page title={props.title} state="bad">
      <p>{props.message}</p>
    </Page>
  );
}
