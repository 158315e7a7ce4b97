import type { Context } from "hono";
import type { JSX } from "hono/jsx/jsx-runtime";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../http/types";
import { styleSource } from "./layout";

/**
 * A server-rendered page with the headers every page carries: no script at all (the one
 * inline <style> is allowed by its hash), forms only to this origin, and, because the
 * pages carry one-time tokens in their URLs, no Referer, no cache and no indexing.
 */
export async function renderPage(c: Context<AppEnv>, status: ContentfulStatusCode, page: JSX.Element) {
  const html = "<!doctype html>" + (await page.toString());
  return c.body(html, status, {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": `default-src 'none'; style-src ${await styleSource()}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
  });
}
