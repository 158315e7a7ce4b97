// The fake provider as a real HTTP server on 127.0.0.1, for the browser test and black-box runs
// against `npm run dev`. Same logic as the workerd tests (fake-oidc.ts, run by Node as is).
//
//   node test/support/fake-oidc-server.mjs [--port 9400] [--client-id ID] [--client-secret S] [--alg RS256]
//
// Control (JSON POST bodies): /_control/user sets the next user who "consents" at /authorize,
// /_control/misbehave sets the misbehaviours (see Misbehaviour in fake-oidc.ts),
// /_control/rotate rotates the signing key. GitHub's preset lives under /github/web and /github/api.
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { createFakeGithub, createFakeOidc } from "./fake-oidc.ts";

export async function startFakeOidcServer({ port = 0, clientId, clientSecret, alg } = {}) {
  const server = createServer();
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  const oidc = await createFakeOidc({ issuer: origin, clientId, clientSecret, alg });
  const github = createFakeGithub({ webUrl: `${origin}/github/web`, apiUrl: `${origin}/github/api`, clientId, clientSecret });
  server.on("request", async (req, res) => {
    try {
      const chunks = [];
      for await (const c of req) chunks.push(c);
      const body = chunks.length ? Buffer.concat(chunks) : undefined;
      const url = new URL(req.url, origin);
      if (url.pathname.startsWith("/_control/") && req.method === "POST") {
        const input = body ? JSON.parse(body.toString()) : {};
        if (url.pathname === "/_control/user") oidc.nextUser = input;
        else if (url.pathname === "/_control/github-user") github.nextUser = input;
        else if (url.pathname === "/_control/misbehave") oidc.misbehave = input;
        else if (url.pathname === "/_control/rotate") await oidc.rotateKey(input.alg);
        res.writeHead(204).end();
        return;
      }
      const request = new Request(url, { method: req.method, headers: req.headers, body: req.method === "GET" || req.method === "HEAD" ? undefined : body });
      const answer = (await github.handle(request.clone())) ?? (await oidc.handle(request)) ?? new Response("not found", { status: 404 });
      res.writeHead(answer.status, Object.fromEntries(answer.headers));
      res.end(Buffer.from(await answer.arrayBuffer()));
    } catch (err) {
      // A misbehaviour of "unreachable" drops the connection; anything else is the fake's own 500.
      if (err instanceof TypeError && err.message === "fetch failed") res.destroy();
      else res.writeHead(500, { "content-type": "text/plain" }).end(String(err));
    }
  });
  return { origin, oidc, github, server, close: () => new Promise((r) => server.close(r)) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { port: { type: "string" }, "client-id": { type: "string" }, "client-secret": { type: "string" }, alg: { type: "string" } } });
  const s = await startFakeOidcServer({ port: Number(values.port ?? 0), clientId: values["client-id"], clientSecret: values["client-secret"], alg: values.alg });
  console.log(JSON.stringify({ issuer: s.origin, github_web: `${s.origin}/github/web`, github_api: `${s.origin}/github/api`, client_id: s.oidc.clientId, client_secret: s.oidc.clientSecret }));
}
