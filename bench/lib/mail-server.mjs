// A stand-in for the Resend-compatible mail API: answers every POST with 200 JSON, counts
// what it got, keeps nothing but the sign-in codes the passwordless scenario reads back. The worker's HTTP mailer (src/kernel/mail.ts) calls it,
// so password-reset mails go through the real provider path, minus the internet.
import { createServer } from "node:http";

export async function startMailServer() {
  const stats = { received: 0, withAuth: 0, badRequests: 0 };
  let seq = 0;
  const codes = new Map();
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      // The passwordless scenario reads the code of an address's last mail back (once).
      const asked = req.method === "GET" && new URL(req.url, "http://x").pathname === "/code" ? new URL(req.url, "http://x").searchParams.get("to") : null;
      if (asked !== null) {
        const code = codes.get(asked);
        codes.delete(asked);
        res.writeHead(code ? 200 : 404, { "content-type": "application/json" }).end(JSON.stringify({ code }));
        return;
      }
      if (req.method !== "POST") {
        stats.badRequests++;
        res.writeHead(405).end();
        return;
      }
      stats.received++;
      try {
        const mail = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        const code = /sign-in code/i.test(mail.subject ?? "") && String(mail.text ?? "").match(/^(\d{8})$/m);
        if (code) codes.set([mail.to].flat()[0], code[1]);
      } catch {
        /* not a mail we read codes from */
      }
      if ((req.headers.authorization ?? "").startsWith("Bearer ")) stats.withAuth++;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ id: `bench-mail-${++seq}` }));
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/emails`,
    stats,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
