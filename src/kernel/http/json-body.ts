import type { MiddlewareHandler } from "hono";
import { detailError, nonFieldError } from "../errors";
import { MSG } from "../messages";

const MAX_BODY_BYTES = 64 * 1024;
const JSON_TYPE = /^application\/([\w.-]+\+)?json$/i;
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * The request body if it is at most MAX_BODY_BYTES (declared or streamed); null as soon as
 * it is larger, without reading the rest. Shared by the JSON API and the HTML form.
 */
export async function readBoundedBody(req: Request): Promise<Uint8Array | null> {
  if (!req.body) return new Uint8Array();
  const declared = req.headers.get("content-length");
  // A length that is not a plain number cannot be trusted to bound the read: over the limit.
  if (declared && (!/^\d+$/.test(declared) || Number(declared) > MAX_BODY_BYTES)) return null;
  // A declared small body is read in one call (the runtime enforces the declared length);
  // only a body of unknown length is streamed and counted.
  if (declared && !req.headers.has("transfer-encoding")) return new Uint8Array(await req.arrayBuffer());
  return readLimited(req.body, MAX_BODY_BYTES);
}

/** Reads at most `limit` bytes; null as soon as the body is larger, without reading the rest. */
async function readLimited(body: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array | null> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

const describe = (v: unknown) => (v === null ? "NoneType" : Array.isArray(v) ? "list" : typeof v === "string" ? "str" : typeof v === "number" ? (Number.isInteger(v) ? "int" : "float") : typeof v === "boolean" ? "bool" : typeof v);

/**
 * The body rules of the contract, before any route sees the request: JSON only (415),
 * at most 64 KiB (413, decided on Content-Length or while streaming), valid UTF-8 JSON
 * (400) holding an object (400, DRF's wording). The parsed object is handed to the
 * route validators through Hono's body cache, so the body is parsed once.
 */
export const jsonBody = (): MiddlewareHandler => async (c, next) => {
  if (!["POST", "PUT", "PATCH"].includes(c.req.method)) return next();
  const raw = await readBoundedBody(c.req.raw);
  if (raw === null) throw detailError(413, MSG.tooLarge, "payload_too_large");

  let value: unknown = {};
  let text = "{}";
  if (raw.byteLength > 0) {
    const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim();
    if (!JSON_TYPE.test(type)) throw detailError(415, MSG.unsupportedMediaType(type), "unsupported_media_type");
    try {
      text = utf8.decode(raw);
      value = JSON.parse(text);
    } catch {
      throw detailError(400, MSG.parseError, "parse_error");
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw nonFieldError(MSG.notObject(describe(value)));
  }
  // Route validators read c.req.json(). Hono has no supported way to hand them an already
  // parsed body: its json() parses the cached *text* again (and, given a cached object,
  // stringifies it into a new Response to read back). So this request's json() answers with
  // the object parsed above, and the text stays in Hono's body cache for anything that reads
  // it. test/kernel/json-body.test.ts pins both against Hono's behaviour. An empty body
  // validates as {} ("This field is required."), whatever its content type.
  const parsed = Promise.resolve(value);
  c.req.json = <T>() => parsed as Promise<T>;
  // (Hono types the cache by the values, but stores and awaits promises.)
  (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(text);
  c.req.bodyCache.json = parsed;
  await next();
};
