// `npm run test:browser`: every browser suite in one process, on one `wrangler dev` and one
// Chromium (lib.mjs), started once. `node test/browser/run.mjs reset-page` runs only the named
// suites. The worker gets the union of the suites' vars (a conflict is an error: such a suite
// would need a worker of its own). Exit status 0 only if every check passed and no suite's
// setup failed. Screenshots go to test-artifacts/.
import * as emailPages from "./email-pages.mjs";
import { cleanup, log, results, start, wranglerOutput } from "./lib.mjs";
import * as oidc from "./oidc.mjs";
import * as passkeys from "./passkeys.mjs";
import * as passwordless from "./passwordless.mjs";
import * as resetPage from "./reset-page.mjs";

const SUITES = { "reset-page": resetPage, "email-pages": emailPages, passkeys, oidc, passwordless };
const OVERALL_MS = 360_000;

const wanted = process.argv.slice(2);
for (const w of wanted) if (!SUITES[w]) throw new Error(`no suite ${w}; the suites: ${Object.keys(SUITES).join(", ")}`);
const suites = (wanted.length ? wanted : Object.keys(SUITES)).map((key) => SUITES[key]);
const expected = suites.reduce((n, s) => n + s.checks, 0);

const vars = {};
for (const suite of suites) {
  for (const [name, value] of Object.entries(suite.vars)) {
    if (name in vars && vars[name] !== value) throw new Error(`the suites need different values of ${name}: ${vars[name]} and ${value}`);
    vars[name] = value;
  }
}

const summary = (setupErrors) => {
  const passed = results.filter((r) => r.ok).length;
  return { passed, failed: results.length - passed + setupErrors };
};

const watchdog = setTimeout(() => {
  console.error(`browser test: over ${OVERALL_MS / 1000} s, giving up`);
  cleanup().finally(() => {
    const passed = results.filter((r) => r.ok).length;
    console.log(`${passed} passed, ${expected - passed} failed`);
    process.exit(1);
  });
}, OVERALL_MS);

let setupErrors = 0;
const reportSetup = (what, err) => {
  setupErrors++;
  console.error(`browser test ${what} failed: ${err?.stack ?? err}`);
  const tail = wranglerOutput();
  if (tail) console.error(`--- wrangler output (tail) ---\n${tail.slice(-4000)}`);
};
try {
  const harness = await start(vars);
  for (const suite of suites) {
    log(`--- ${suite.name} (${suite.checks} checks)`);
    try {
      await harness.freshBrowser();
      await suite.run(harness);
    } catch (err) {
      reportSetup(`setup (${suite.name})`, err);
    }
  }
} catch (err) {
  reportSetup("setup", err);
} finally {
  await cleanup();
  clearTimeout(watchdog);
}
const { passed, failed } = summary(setupErrors);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
