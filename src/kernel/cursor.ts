import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { base64url, fromBase64url } from "./crypto";
import { memo } from "./memo";

/**
 * Opaque page cursors: `<position>.<tag>`, both base64url. The tag is an HMAC over the
 * position and the query it belongs to (its scope: the list, its filters, for per-user
 * lists the user), under a key derived from the config's pseudonym key with a label of its
 * own. A client can hand back only a cursor the worker gave it for that same query, so it
 * can never start a page at a position it could not have reached by paging.
 */
const cursorKey = memo((logKey: Uint8Array) => hkdf(sha256, logKey, undefined, new TextEncoder().encode("edge-auth page cursors v1"), 32));

const TAG_BYTES = 16;

function tag(key: Uint8Array, scope: string, position: string): Uint8Array {
  return hmac(sha256, cursorKey(key), new TextEncoder().encode(`${scope}\u0000${position}`)).slice(0, TAG_BYTES);
}

export function signCursor(key: Uint8Array, scope: string, position: string): string {
  return `${base64url(new TextEncoder().encode(position))}.${base64url(tag(key, scope, position))}`;
}

/** The position a cursor carries, or null when it was not made by this worker for this scope. */
export function readCursor(key: Uint8Array, scope: string, cursor: string): string | null {
  if (cursor.length > 512) return null;
  const [pos, mac, extra] = cursor.split(".");
  if (!pos || !mac || extra !== undefined) return null;
  const posBytes = fromBase64url(pos);
  const given = fromBase64url(mac);
  if (!posBytes || !given || given.length !== TAG_BYTES) return null;
  const position = new TextDecoder().decode(posBytes);
  const expected = tag(key, scope, position);
  let diff = 0;
  for (let i = 0; i < TAG_BYTES; i++) diff |= expected[i]! ^ given[i]!;
  return diff === 0 ? position : null;
}
