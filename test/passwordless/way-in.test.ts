import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { assertNotLastWayIn } from "../../src/features/sign-in";
import { uniqueEmail } from "../support/api";
import { installMailbox } from "../support/mailbox";
import { testDeps } from "../sign-in/helpers";
import { SIGNUP, startAndRead, userRow, verify } from "./helpers";

let mailbox: ReturnType<typeof installMailbox>;
beforeEach(() => {
  mailbox = installMailbox();
});
afterEach(() => mailbox.restore());

describe("the address is a way in while PASSWORDLESS is on", () => {
  it("an account made by e-mail (no password) has one way in under login/signup, none when off", async () => {
    const email = uniqueEmail("way");
    const m = await startAndRead(mailbox, email, SIGNUP, { tc: true });
    expect((await verify({ challenge_id: m.challenge_id, code: m.code }, SIGNUP)).status).toBe(200);
    const { id } = (await userRow(email))!;
    await expect(assertNotLastWayIn(testDeps({ vars: SIGNUP }).d, id, 0)).resolves.toBeUndefined();
    await expect(assertNotLastWayIn(testDeps({ vars: { PASSWORDLESS: "login", PASSWORDLESS_URL: SIGNUP.PASSWORDLESS_URL } }).d, id, 0)).resolves.toBeUndefined();
    await expect(assertNotLastWayIn(testDeps().d, id, 0)).rejects.toThrow();
    // Removing one more than it has: refused even while on.
    await expect(assertNotLastWayIn(testDeps({ vars: SIGNUP }).d, id, 1)).rejects.toThrow();
  });
});
