// The floor's yardstick: a bare Hono app with no routes and no middleware, bundled like the
// bound worker and run on the same workerd next to ours. Its 404 is the cheapest answer Hono
// can give, so "our 404 / its 404" (workerd CPU per request) is what our middleware costs.
import { Hono } from "hono";

const app = new Hono();
app.get("/__bench/hono/livez", (c) => c.text("ok"));

export default app;
