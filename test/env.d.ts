import type { D1Migration } from "cloudflare:test";
import type { Env } from "../src/kernel/config";

declare global {
  namespace Cloudflare {
    interface Env {
      DB: D1Database;
      RESET_KV: KVNamespace;
      TEST_MIGRATIONS: D1Migration[];
      AUDIT_DB: D1Database;
      EVENT_QUEUE: Queue;
      TEST_AUDIT_MIGRATIONS: D1Migration[];
      JWT_SIGNING_KEY: string;
      MFA_ENCRYPTION_KEY: string;
    }
    interface GlobalProps {
      mainModule: typeof import("../src/index");
    }
  }
}
export type { Env };
