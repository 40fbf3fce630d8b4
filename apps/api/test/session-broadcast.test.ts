import { randomUUID } from "node:crypto";
import { type Database, sessions } from "@tradeboard/db";
import { eq } from "drizzle-orm";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessionCookie, signedInUser, testApp } from "./helpers/app.ts";
import { openTestDatabase } from "./helpers/database.ts";

const REDIS_URL = process.env.REDIS_URL;

/**
 * Two api instances on one database, as behind a load balancer: a session
 * ended on one is refused by the other at once (not at its next once-a-minute
 * re-check), because the end travels over Redis.
 */
describe.skipIf(!REDIS_URL)("ended sessions reach every api instance over Redis", () => {
  let database: Database;
  let first: FastifyInstance;
  let second: FastifyInstance;

  beforeAll(async () => {
    database = await openTestDatabase("pglite");
    const overrides = { REDIS_URL, REDIS_KEY_PREFIX: `test-${randomUUID()}:` };
    ({ app: first } = await testApp(database, overrides));
    ({ app: second } = await testApp(database, overrides));
  });
  afterAll(async () => {
    await first?.close();
    await second?.close();
    await database?.close();
  });

  const me = (app: FastifyInstance, cookie: string) =>
    app.inject({ method: "GET", url: "/api/users/me", headers: { cookie } }).then((res) => res.statusCode);

  it("refuses on the second instance a session ended on the first", async () => {
    const user = await signedInUser(database, "ines");
    const other = await sessionCookie(database, { sub: user.id });
    // The second instance has seen both sessions active (and would believe that for a minute).
    expect(await me(second, user.cookie)).toBe(200);
    expect(await me(second, other)).toBe(200);

    const ended = await first.inject({
      method: "POST",
      url: "/api/users/me/sessions/end-others",
      headers: { cookie: other },
    });
    expect(ended.json()).toEqual({ ended: 1 });
    expect(await me(first, user.cookie)).toBe(401);
    await expect.poll(() => me(second, user.cookie), { timeout: 5_000, interval: 20 }).toBe(401);
    expect(await me(second, other), "the session that ended the others goes on").toBe(200);
  });

  it("asks the database again about every session after missing news of ends", async () => {
    const user = await signedInUser(database, "jon");
    expect(await me(second, user.cookie)).toBe(200);
    // Ended while this instance could not hear it: only the database knows.
    await database.db.delete(sessions).where(eq(sessions.userId, user.id));
    expect(await me(second, user.cookie), "still believed from memory").toBe(200);
    second.sessions.forgetActive();
    expect(await me(second, user.cookie)).toBe(401);
  });
});
