// The passwordless scenario's request maker (run by load-child.mjs): each iteration is a start
// for a fresh address (PASSWORDLESS=signup, tc true: a mail goes, so the code exists) and a
// verify of a challenge whose code has come back from the mail stand-in (GET <mail>/code?to=).
// Codes arrive after the start's answer (the worker mails after answering), so verifies draw
// on a pool: either slot verifies while a code is waiting and starts a challenge otherwise, so
// verifies keep up with the codes that came back. Every answer is then a 200: start, or verify
// (which creates the account and signs it in). tally.starts / tally.verifies give the mix.
// Each request comes from its own client address: the per-IP limiter is counted, not hit.

/** @returns autocannon `requests` */
export function passwordlessRequests(spec, tally, record) {
  const d = spec.data ?? {};
  const json = { "content-type": "application/json", accept: "application/json" };
  const pool = [];
  let n = 0;
  let ip = 0;
  tally.starts = 0;
  tally.verifies = 0;
  tally.codeLookupsFailed = 0;
  const clientIp = () => `10.${(ip >> 16) & 255}.${(ip >> 8) & 255}.${ip++ & 255}`;

  const startBody = () => {
    const email = `${d.prefix}-${process.pid}-${n++}@example.com`;
    return { email, body: JSON.stringify({ email, tc: true }) };
  };
  async function fetchCode(email, challengeId) {
    for (let i = 0; i < 200; i++) {
      const res = await fetch(`${d.mailBase}/code?to=${encodeURIComponent(email)}`).catch(() => null);
      if (res?.ok) {
        pool.push({ challenge_id: challengeId, code: (await res.json()).code });
        return;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    tally.codeLookupsFailed++;
  }
  const asStart = (req, context) => {
    const s = startBody();
    context.email = s.email;
    context.kind = "start";
    req.method = "POST";
    req.path = spec.path;
    req.body = s.body;
    req.headers = { ...json, "cf-connecting-ip": clientIp() };
    return req;
  };
  const onResponse = (status, body, context) => {
    if (context.kind === "start") {
      tally.starts++;
      if (status === 200) fetchCode(context.email, JSON.parse(body).challenge_id);
    } else tally.verifies++;
    record(status, body);
  };

  const next = (req, context) => {
    const c = pool.shift();
    if (!c) return asStart(req, context);
    context.kind = "verify";
    req.method = "POST";
    req.path = d.verifyPath;
    req.body = JSON.stringify(c);
    req.headers = { ...json, "cf-connecting-ip": clientIp() };
    return req;
  };

  // Two slots, not one: autocannon clears the per-connection context after a one-request list.
  const slot = { method: "POST", path: spec.path, setupRequest: next, onResponse };
  return [slot, { ...slot }];
}
