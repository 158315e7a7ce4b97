// A stand-in for the Resend-compatible mail API: answers every POST with 200 JSON, counts
// what it got, keeps nothing. The worker's HTTP mailer (src/kernel/mail.ts) calls it,
// so password-reset mails go through the real provider path, minus the internet.
import { createServer } from "node:http";

export async function startMailServer() {
  const stats = { received: 0, withAuth: 0, badRequests: 0 };
  let seq = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      if (req.method !== "POST") {
        stats.badRequests++;
        res.writeHead(405).end();
        return;
      }
      stats.received++;
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
