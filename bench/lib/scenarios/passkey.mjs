// The passkey scenario (issue 27): a discoverable sign-in, POST /api/auth/passkey/options/ then
// verify/, per iteration. prepare (on the host) registers one synced P-256 passkey per seeded
// user (up to 32) through the routes with the tests' software authenticator; the load child
// signs each options' challenge with node:crypto, synchronously as autocannon's hooks must.
// Synced (BE, BS set): their counter is not checked, so connections may share a key.
import { createHash, createPrivateKey, sign } from "node:crypto";
import { SoftAuthenticator } from "../../../test/support/soft-authenticator.ts";

const ORIGIN = "http://localhost:8787"; // PENDING_VARS.WEBAUTHN_ORIGINS
const b64u = (bytes) => Buffer.from(bytes).toString("base64url");
const JSON_HEADERS = { "content-type": "application/json", accept: "application/json" };

export async function preparePasskeys({ api, users, password }) {
  const auth = new SoftAuthenticator(ORIGIN);
  const passkeys = [];
  for (const u of users.slice(0, 32)) {
    const bearer = { authorization: `Bearer ${u.access}` };
    let options = await api("/api/user/passkeys/register/options/", {}, bearer);
    // Seeding may have taken longer than REAUTH_MAX_AGE: the password stands in for a recent sign-in.
    if (options.status === 403) options = await api("/api/user/passkeys/register/options/", { current_password: password }, bearer);
    if (options.status !== 200) throw new Error(`passkey options for ${u.email}: ${options.status} ${options.text.slice(0, 200)}`);
    const { json, credential } = await auth.create(options.json.options, { alg: -7, be: true, bs: true });
    const registered = await api("/api/user/passkeys/register/", { credential: json }, bearer);
    if (registered.status !== 201) throw new Error(`passkey registration for ${u.email}: ${registered.status} ${registered.text.slice(0, 200)}`);
    const pkcs8 = Buffer.from(await crypto.subtle.exportKey("pkcs8", credential.keys.privateKey)).toString("base64");
    passkeys.push({ id: json.id, userHandle: credential.userHandle, pkcs8 });
  }
  return { passkeys, origin: ORIGIN, rpId: "localhost" };
}

/** The load child's requests: options (its challenge kept in the connection's context), then the assertion. */
export function passkeyRequests(d, onResponse) {
  const keys = d.passkeys.map((k) => ({ ...k, key: createPrivateKey({ key: Buffer.from(k.pkcs8, "base64"), format: "der", type: "pkcs8" }) }));
  // rpIdHash, flags UP|UV|BE|BS, counter 0.
  const authenticatorData = Buffer.concat([createHash("sha256").update(d.rpId).digest(), Buffer.from([0x1d, 0, 0, 0, 0])]);
  let n = 0;
  return [
    {
      method: "POST",
      path: "/api/auth/passkey/options/",
      headers: JSON_HEADERS,
      body: "{}",
      onResponse(status, body, context) {
        context.challenge = status === 200 ? JSON.parse(body).options.challenge : "";
        onResponse(status, body);
      },
    },
    {
      method: "POST",
      path: "/api/auth/passkey/verify/",
      headers: JSON_HEADERS,
      setupRequest(req, context) {
        const k = keys[n++ % keys.length];
        const clientDataJSON = Buffer.from(JSON.stringify({ type: "webauthn.get", challenge: context.challenge, origin: d.origin, crossOrigin: false }));
        const signature = sign("sha256", Buffer.concat([authenticatorData, createHash("sha256").update(clientDataJSON).digest()]), k.key);
        const response = { clientDataJSON: b64u(clientDataJSON), authenticatorData: b64u(authenticatorData), signature: b64u(signature), userHandle: k.userHandle };
        req.body = JSON.stringify({ credential: { id: k.id, rawId: k.id, type: "public-key", response, clientExtensionResults: {} } });
        return req;
      },
      onResponse,
    },
  ];
}
