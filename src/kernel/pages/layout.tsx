import type { Child } from "hono/jsx";

/**
 * The pages' only stylesheet, inlined and allowed by its hash (see styleSource), so the
 * CSP needs neither 'unsafe-inline' nor a second request. Keep it free of "</style".
 * Contrast on white: ink 16:1, muted 8.6:1, error #b3261e 6.5:1, accent #1d4ed8 6.7:1.
 */
const PAGE_CSS = `
:root{color-scheme:light;--ink:#111827;--muted:#4b5563;--line:#6b7280;--accent:#1d4ed8;--accent-dark:#1e3a8a;--error:#b3261e;--error-bg:#fdf2f1;--ok:#166534;--ok-bg:#ecfdf3;--bg:#f3f4f6}
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;padding:2rem 1rem;background:var(--bg);color:var(--ink);font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{width:100%;max-width:30rem;background:#fff;border:1px solid #e5e7eb;border-radius:12px;padding:2rem 1.75rem;box-shadow:0 1px 2px rgba(17,24,39,.06),0 10px 30px rgba(17,24,39,.08)}
h1{font-size:1.5rem;line-height:1.25;margin:0 0 .75rem}
h2{font-size:1.0625rem;line-height:1.3;margin:0 0 .5rem}
p{margin:0 0 1rem}
p:last-child{margin-bottom:0}
a{color:var(--accent);text-underline-offset:2px}
a:hover{color:var(--accent-dark)}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.lead{color:var(--muted)}
.account{font-weight:600;color:var(--ink);overflow-wrap:anywhere}
.icon{display:block;width:3rem;height:3rem;margin:0 0 1rem}
.field{margin:0 0 1.5rem}
label{display:block;font-weight:600;margin:0 0 .25rem}
.hint{color:var(--muted);font-size:.9375rem;margin:0 0 .5rem}
.hint ul{margin:.25rem 0 0;padding-left:1.25rem}
.hint li{margin:.125rem 0}
.error{color:var(--error);font-weight:600;margin:0 0 .5rem}
.error p{margin:0 0 .25rem}
input[type=password],input[type=email]{display:block;width:100%;font:inherit;padding:.625rem .75rem;color:var(--ink);background:#fff;border:2px solid var(--line);border-radius:6px}
input[type=password]:focus,input[type=email]:focus{outline:3px solid var(--accent);outline-offset:1px;border-color:var(--ink)}
input[aria-invalid=true]{border-color:var(--error);border-width:3px}
input[aria-invalid=true]:focus{border-color:var(--error)}
.field-invalid{border-left:4px solid var(--error);padding-left:.875rem}
button{display:block;width:100%;font:inherit;font-weight:600;padding:.75rem 1rem;color:#fff;background:var(--accent);border:2px solid transparent;border-radius:6px;cursor:pointer}
button:hover{background:var(--accent-dark)}
button:focus-visible{outline:3px solid var(--ink);outline-offset:3px}
.summary{border:3px solid var(--error);background:var(--error-bg);border-radius:8px;padding:1rem 1.25rem;margin:0 0 1.5rem}
.summary h2{color:var(--error)}
.summary ul{margin:0;padding-left:1.25rem}
.summary a{color:var(--error);font-weight:600}
.summary a:focus-visible{outline-color:var(--ink)}
.state-ok h1{color:var(--ok)}
.state-ok .panel{background:var(--ok-bg);border-left:4px solid var(--ok);padding:.75rem 1rem;border-radius:4px}
.state-bad h1{color:var(--error)}
.visually-hidden{position:absolute!important;width:1px!important;height:1px!important;padding:0!important;margin:-1px!important;overflow:hidden!important;clip:rect(0,0,0,0)!important;white-space:nowrap!important;border:0!important}
@media (prefers-reduced-motion:no-preference){button{transition:background-color .15s}}
@media (max-width:30rem){body{align-items:flex-start;padding:1rem .75rem}main{padding:1.5rem 1.25rem}}
`;

let sourcePromise: Promise<string> | undefined;

/** `'sha256-…'` of PAGE_CSS, for style-src; computed once per isolate. */
export function styleSource(): Promise<string> {
  sourcePromise ??= crypto.subtle.digest("SHA-256", new TextEncoder().encode(PAGE_CSS)).then((digest) => {
    let binary = "";
    for (const byte of new Uint8Array(digest)) binary += String.fromCharCode(byte);
    return `'sha256-${btoa(binary)}'`;
  });
  return sourcePromise;
}

export function Layout(props: { title: string; children?: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex, nofollow" />
        <title>{props.title}</title>
        {/* Raw, not escaped: the hash covers these exact bytes. */}
        <style dangerouslySetInnerHTML={{ __html: PAGE_CSS }} />
      </head>
      <body>{props.children}</body>
    </html>
  );
}
