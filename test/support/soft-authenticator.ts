/**
 * A software WebAuthn authenticator for tests, on WebCrypto and a little CBOR of its own
 * (independent of the worker's @oslojs parsing, so the two are checked against each other).
 * It answers the options the worker gives with exactly what a browser's credential.toJSON()
 * gives, attestation "none", and lets the test set the flags, counter, origin and the rest.
 */

export type SoftAlg = -8 | -7 | -257;

// --- CBOR (RFC 8949), the subset WebAuthn uses: ints, byte and text strings, arrays, maps ---
export type Cbor = number | string | Uint8Array | boolean | Cbor[] | Map<number | string, Cbor>;

function head(major: number, n: number): number[] {
  if (n < 24) return [(major << 5) | n];
  if (n < 0x100) return [(major << 5) | 24, n];
  if (n < 0x10000) return [(major << 5) | 25, n >> 8, n & 0xff];
  return [(major << 5) | 26, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}

export function encodeCbor(v: Cbor): Uint8Array {
  const out: number[] = [];
  const put = (x: Cbor) => {
    if (typeof x === "number") out.push(...(x >= 0 ? head(0, x) : head(1, -1 - x)));
    else if (typeof x === "boolean") out.push(x ? 0xf5 : 0xf4);
    else if (typeof x === "string") {
      const b = new TextEncoder().encode(x);
      out.push(...head(3, b.length), ...b);
    } else if (x instanceof Uint8Array) out.push(...head(2, x.length), ...x);
    else if (Array.isArray(x)) {
      out.push(...head(4, x.length));
      x.forEach(put);
    } else {
      out.push(...head(5, x.size));
      for (const [k, val] of x) {
        put(k);
        put(val);
      }
    }
  };
  put(v);
  return new Uint8Array(out);
}

// --- encodings ---
export const b64u = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
export const fromB64u = (s: string) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
const sha256 = async (b: Uint8Array) => new Uint8Array(await crypto.subtle.digest("SHA-256", b));

/** ECDSA r ‖ s (WebCrypto) as the DER SEQUENCE WebAuthn carries. */
function rawToDer(raw: Uint8Array): Uint8Array {
  const int = (b: Uint8Array) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    const v = b.subarray(i);
    return v[0]! & 0x80 ? concat(new Uint8Array([0x02, v.length + 1, 0]), v) : concat(new Uint8Array([0x02, v.length]), v);
  };
  const body = concat(int(raw.subarray(0, 32)), int(raw.subarray(32)));
  return concat(new Uint8Array([0x30, body.length]), body);
}

// --- keys ---
const ALG_PARAMS: Record<SoftAlg, { gen: any; sign: any }> = {
  [-7]: { gen: { name: "ECDSA", namedCurve: "P-256" }, sign: { name: "ECDSA", hash: "SHA-256" } },
  [-8]: { gen: { name: "Ed25519" }, sign: { name: "Ed25519" } },
  [-257]: {
    gen: { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    sign: { name: "RSASSA-PKCS1-v1_5" },
  },
};

async function coseKeyOf(alg: SoftAlg, publicKey: CryptoKey): Promise<Uint8Array> {
  const jwk = (await crypto.subtle.exportKey("jwk", publicKey)) as JsonWebKey;
  if (alg === -7) return encodeCbor(new Map<number, Cbor>([[1, 2], [3, -7], [-1, 1], [-2, fromB64u(jwk.x!)], [-3, fromB64u(jwk.y!)]]));
  if (alg === -8) return encodeCbor(new Map<number, Cbor>([[1, 1], [3, -8], [-1, 6], [-2, fromB64u(jwk.x!)]]));
  return encodeCbor(new Map<number, Cbor>([[1, 3], [3, -257], [-1, fromB64u(jwk.n!)], [-2, fromB64u(jwk.e!)]]));
}

export interface Flags {
  up: boolean;
  uv: boolean;
  be: boolean;
  bs: boolean;
}

/** A credential the authenticator holds: its key, the RP and user it was made for, its counter. */
export interface SoftCredential {
  id: Uint8Array;
  alg: SoftAlg;
  keys: CryptoKeyPair;
  rpId: string;
  /** The user.id of the creation options, base64url: returned as userHandle. */
  userHandle: string;
  counter: number;
  /** Added to the counter at every assertion (0: an authenticator without a counter). */
  counterStep: number;
  be: boolean;
  bs: boolean;
}

/** What a test may change about one answer. */
export interface Overrides {
  origin?: string;
  type?: string;
  crossOrigin?: boolean;
  /** The RP ID whose hash goes into authenticatorData (default: the options'). */
  rpId?: string;
  challenge?: string;
  flags?: Partial<Flags>;
  /** The counter this answer carries (default: the credential's, moved by counterStep). */
  counter?: number;
  /** Assertions: the userHandle sent (null: none). */
  userHandle?: string | null;
}

export interface CreateOverrides extends Overrides {
  alg?: SoftAlg;
  credentialId?: Uint8Array;
  be?: boolean;
  bs?: boolean;
  counterStep?: number;
}

// Erasable TypeScript only (no parameter properties): the bench's Node imports this file as is.
export class SoftAuthenticator {
  readonly origin: string;
  constructor(origin = "https://example.com") {
    this.origin = origin;
  }

  private async clientData(kind: "webauthn.create" | "webauthn.get", challenge: string, o: Overrides) {
    const c: Record<string, unknown> = { type: o.type ?? kind, challenge: o.challenge ?? challenge, origin: o.origin ?? this.origin };
    c.crossOrigin = o.crossOrigin ?? false;
    return new TextEncoder().encode(JSON.stringify(c));
  }

  private async authData(rpId: string, f: Flags, counter: number, attested?: Uint8Array) {
    const flags = (f.up ? 0x01 : 0) | (f.uv ? 0x04 : 0) | (f.be ? 0x08 : 0) | (f.bs ? 0x10 : 0) | (attested ? 0x40 : 0);
    const c = new Uint8Array(4);
    new DataView(c.buffer).setUint32(0, counter);
    return concat(await sha256(new TextEncoder().encode(rpId)), new Uint8Array([flags]), c, attested ?? new Uint8Array());
  }

  /** navigator.credentials.create() with these options, then credential.toJSON(). */
  async create(options: any, o: CreateOverrides = {}) {
    const offered: number[] = options.pubKeyCredParams.map((p: { alg: number }) => p.alg);
    const alg = o.alg ?? (offered.find((a) => a in ALG_PARAMS) as SoftAlg);
    const keys = (await crypto.subtle.generateKey(ALG_PARAMS[alg].gen, true, ["sign", "verify"])) as CryptoKeyPair;
    const be = o.be ?? false;
    const cred: SoftCredential = {
      id: o.credentialId ?? crypto.getRandomValues(new Uint8Array(32)),
      alg,
      keys,
      rpId: options.rp.id,
      userHandle: options.user.id,
      counter: o.counter ?? 0,
      counterStep: o.counterStep ?? (be ? 0 : 1),
      be,
      bs: o.bs ?? be,
    };
    const idLen = new Uint8Array([cred.id.length >> 8, cred.id.length & 0xff]);
    const attested = concat(new Uint8Array(16), idLen, cred.id, await coseKeyOf(alg, keys.publicKey));
    const flags: Flags = { up: true, uv: true, be: cred.be, bs: cred.bs, ...o.flags };
    const authenticatorData = await this.authData(o.rpId ?? cred.rpId, flags, cred.counter, attested);
    const clientDataJSON = await this.clientData("webauthn.create", options.challenge, o);
    const attestationObject = encodeCbor(new Map<string, Cbor>([["fmt", "none"], ["attStmt", new Map()], ["authData", authenticatorData]]));
    const spki = new Uint8Array((await crypto.subtle.exportKey("spki", keys.publicKey)) as ArrayBuffer);
    const json = {
      id: b64u(cred.id),
      rawId: b64u(cred.id),
      type: "public-key",
      response: {
        clientDataJSON: b64u(clientDataJSON),
        authenticatorData: b64u(authenticatorData),
        transports: ["hybrid", "internal"],
        publicKey: b64u(spki),
        publicKeyAlgorithm: alg,
        attestationObject: b64u(attestationObject),
      },
      authenticatorAttachment: "platform",
      clientExtensionResults: {},
    };
    return { json, credential: cred };
  }

  /** navigator.credentials.get() with these options by `cred`, then credential.toJSON(). */
  async get(options: any, cred: SoftCredential, o: Overrides = {}) {
    if (o.counter === undefined) cred.counter += cred.counterStep;
    const counter = o.counter ?? cred.counter;
    const flags: Flags = { up: true, uv: true, be: cred.be, bs: cred.bs, ...o.flags };
    const authenticatorData = await this.authData(o.rpId ?? options.rpId ?? cred.rpId, flags, counter);
    const clientDataJSON = await this.clientData("webauthn.get", options.challenge, o);
    const message = concat(authenticatorData, await sha256(clientDataJSON));
    let signature: Uint8Array = new Uint8Array(await crypto.subtle.sign(ALG_PARAMS[cred.alg].sign, cred.keys.privateKey, message));
    if (cred.alg === -7) signature = rawToDer(signature);
    const userHandle = o.userHandle === undefined ? cred.userHandle : o.userHandle;
    return {
      id: b64u(cred.id),
      rawId: b64u(cred.id),
      type: "public-key",
      response: {
        clientDataJSON: b64u(clientDataJSON),
        authenticatorData: b64u(authenticatorData),
        signature: b64u(signature),
        ...(userHandle === null ? {} : { userHandle }),
      },
      authenticatorAttachment: "platform",
      clientExtensionResults: {},
    };
  }
}
