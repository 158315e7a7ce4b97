/**
 * KV layout: `reset:<sha256(nonce)>` → {u: user id, v: password version at issue}, and
 * `reset-user:<id>` → the hash of the user's newest link, so a newer request retires older
 * links. Both expire after PASSWORD_RESET_TIMEOUT. The nonce itself lives only in the mail.
 */
const nonceKey = (hash: string) => `reset:${hash}`;
const userKey = (id: number) => `reset-user:${id}`;
/**
 * Written for unknown addresses, so both answers wait on the same two KV writes: one under
 * a fresh key (as a nonce is), one under a key fixed per address (as `reset-user:<id>` is,
 * overwritten when the same address asks again).
 */
const decoyNonceKey = (hash: string) => `reset-decoy:${hash}`;
const decoyAddressKey = (ref: string) => `reset-decoy-address:${ref}`;

export interface ResetRecord {
  /** The user id. */
  u: number;
  /** The password version the link was issued for. */
  v: number;
}

// Same shape and size as a real record, so storing a decoy costs the same.
const DECOY = JSON.stringify({ u: 0, v: 0 } satisfies ResetRecord);

/** Stores a link as the user's newest: older links of the user stop working. */
export async function saveResetLink(kv: KVNamespace, hash: string, record: ResetRecord, ttlSeconds: number) {
  const ttl = { expirationTtl: ttlSeconds };
  await Promise.all([kv.put(nonceKey(hash), JSON.stringify(record), ttl), kv.put(userKey(record.u), hash, ttl)]);
}

/** The same two writes for an address without an account, keyed by its log pseudonym. */
export async function saveDecoyLink(kv: KVNamespace, hash: string, addressRef: string, ttlSeconds: number) {
  const ttl = { expirationTtl: ttlSeconds };
  await Promise.all([kv.put(decoyNonceKey(hash), DECOY, ttl), kv.put(decoyAddressKey(addressRef), hash, ttl)]);
}

/** The link's record, if it is the newest link of the user it names. */
export async function findNewestResetLink(kv: KVNamespace, hash: string, userId: number): Promise<ResetRecord | null> {
  const [raw, newest] = await Promise.all([kv.get(nonceKey(hash)), kv.get(userKey(userId))]);
  const record = raw ? (JSON.parse(raw) as ResetRecord) : null;
  return record && record.u === userId && newest === hash ? record : null;
}

/** Forgets a used link. Single use does not rest on this (KV deletes propagate slowly), only tidiness. */
export async function deleteResetLink(kv: KVNamespace, hash: string, userId: number) {
  await Promise.all([kv.delete(nonceKey(hash)), kv.delete(userKey(userId))]);
}

