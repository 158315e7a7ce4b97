import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { addPasskey, pk } from "../passkeys/api-helpers";
import { uniqueEmail } from "../support/api";
import { installMailbox } from "../support/mailbox";
import { SIGNUP, startAndRead, verify } from "./helpers";

let mailbox: ReturnType<typeof installMailbox>;
beforeEach(() => {
  mailbox = installMailbox();
});
afterEach(() => mailbox.restore());

describe("the address is a way in while PASSWORDLESS is on", () => {
  it("an account made by e-mail (no password) may remove its one passkey under login/signup, not when off", async () => {
    const cases: [Record<string, string>, number][] = [
      [SIGNUP, 204],
      [{ PASSWORDLESS: "login", PASSWORDLESS_URL: SIGNUP.PASSWORDLESS_URL }, 204],
      [{}, 400],
    ];
    for (const [vars, status] of cases) {
      const email = uniqueEmail("way");
      const m = await startAndRead(mailbox, email, SIGNUP, { tc: true });
      const signedIn = await verify({ challenge_id: m.challenge_id, code: m.code }, SIGNUP);
      expect(signedIn.status).toBe(200);
      const token = signedIn.body.token.access as string;
      await addPasskey({ email, password: "", access: token });
      const [passkey] = (await pk("/api/user/passkeys/", { token })).body.results;
      const del = await pk(`/api/user/passkeys/${passkey.id}/`, { method: "DELETE", token, vars });
      expect(del.status, JSON.stringify(vars)).toBe(status);
    }
  });
});
