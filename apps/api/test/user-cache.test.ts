import { type Database, insertUser, setUserRole } from "@tradeboard/db";
import { sql } from "drizzle-orm";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessionCookie, testApp } from "./helpers/app.ts";
import { openTestDatabase, testDrivers } from "./helpers/database.ts";

/**
 * The api reads the user behind a request at most once a second (USER_CACHE_MS):
 * what another api instance changes takes effect within that second, what this
 * instance changes at once.
 */
describe.each(testDrivers)("the user behind a request, on %s", (driver) => {
  let database: Database;
  let app: FastifyInstance;
  let now = Date.now();

  beforeAll(async () => {
    database = await openTestDatabase(driver);
    ({ app } = await testApp(database, {}, { now: () => now }));
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  const listUsers = (cookie: string) => app.inject({ method: "GET", url: "/api/users", headers: { cookie } });

  it("takes a role another instance gave within a second, and one this instance gave at once", async () => {
    const user = await insertUser(database.db, { email: "cache@example.com", name: "Cache", passwordHash: null });
    const cookie = await sessionCookie(database, { sub: user.id });
    expect((await listUsers(cookie)).statusCode).toBe(403);

    // As another api instance would: straight in the database, nothing told to this one.
    await database.db.execute(sql`update users set role = 'admin' where id = ${user.id}`);
    expect((await listUsers(cookie)).statusCode).toBe(403);
    now += 1_000;
    expect((await listUsers(cookie)).statusCode).toBe(200);

    // This instance takes it away: the very next request is refused.
    await setUserRole(database.db, { id: user.id, role: "user" });
    expect((await listUsers(cookie)).statusCode).toBe(403);
  });

  it("refuses a user deleted elsewhere within a second", async () => {
    const user = await insertUser(database.db, { email: "gone@example.com", name: "Gone", passwordHash: null });
    const cookie = await sessionCookie(database, { sub: user.id });
    const me = () => app.inject({ method: "GET", url: "/api/users/me", headers: { cookie } });
    expect((await me()).statusCode).toBe(200);
    await database.db.execute(sql`delete from sessions where user_id = ${user.id}`);
    await database.db.execute(sql`delete from users where id = ${user.id}`);
    now += 1_000;
    // The session row went with the user; the session itself is rechecked later, the user within the second.
    const res = await me();
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: { code: "unauthorized" } });
  });
  it("answers each of many requests arriving together with its own user", async () => {
    const people = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        insertUser(database.db, { email: `together${i}@example.com`, name: `Together ${i}`, passwordHash: null }),
      ),
    );
    const cookies = await Promise.all(people.map((p) => sessionCookie(database, { sub: p.id })));
    now += 1_000;
    // Sent at once, so their users are read in one go: every answer must still be its own user.
    const answers = await Promise.all(
      [...cookies, ...cookies].map((cookie) =>
        app.inject({ method: "GET", url: "/api/users/me", headers: { cookie } }),
      ),
    );
    expect(answers.map((a) => a.json().email)).toEqual([...people, ...people].map((p) => p.email));
  });
});
