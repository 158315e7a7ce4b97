import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { randomHex } from "../../src/kernel/crypto";
import { getDb } from "../../src/kernel/storage";
import { users } from "../../src/features/users";
import type { PasskeyConfig } from "../../src/features/passkeys/config";
import { beginRegistration, finishRegistration, type PasskeyDeps } from "../../src/features/passkeys/service";
import { SoftAuthenticator, type CreateOverrides } from "../support/soft-authenticator";

export const config: PasskeyConfig = { rpId: "example.com", rpName: "edge-auth", origins: ["https://example.com", "https://login.example.com"] };

export const db = getDb(env.DB);

/** The service's deps, with the log lines kept so a test can read them. */
export function deps() {
  const events: { name: string; fields: Record<string, unknown> }[] = [];
  const d: PasskeyDeps = {
    db,
    log: { event: (name, fields = {}) => events.push({ name, fields }), emailRef: () => "ref" },
    securityEvent: (type, e) => events.push({ name: type, fields: { ...e } }),
  };
  return { d, events };
}

export async function newUser() {
  const [u] = await db
    .insert(users)
    .values({ email: `pk-${randomHex(6)}@example.com`, name: "Pat Passkey", password: "!" })
    .returning();
  return u!;
}

export const deactivate = (id: number) => db.update(users).set({ isActive: false }).where(eq(users.id, id));

/** A user with one registered passkey made by `auth` (options as the overrides say). */
export async function registered(o: CreateOverrides = {}, auth = new SoftAuthenticator()) {
  const { d } = deps();
  const user = await newUser();
  const options = await beginRegistration(d, config, user);
  const { json, credential } = await auth.create(options, o);
  const result = await finishRegistration(d, config, user, json, "Laptop");
  if (result.kind !== "ok") throw new Error(`registration refused: ${result.reason}`);
  return { user, auth, credential, passkey: result.passkey };
}
