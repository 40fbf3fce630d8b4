import { type Database, type Db, executedRows, insertUser, setUserRole } from "@tradeboard/db";
import { sql } from "drizzle-orm";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessionCookie, testApp } from "./helpers/app.ts";
import { openTestDatabase, testDrivers } from "./helpers/database.ts";
import { until } from "./helpers/venue-server.ts";

/**
 * The api keeps the users behind requests in memory. What this instance
 * changes takes effect at once; what another instance changes, or a statement
 * run straight in the database, as soon as the database announces it (the
 * users' trigger notifies on commit). The clock here never moves unless a test
 * moves it, so a change seen without moving it was not seen by the second's
 * expiry.
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

  /** Asks until the answer has this status (fails only if it never does). */
  const untilStatus = (ask: () => Promise<{ statusCode: number }>, status: number) =>
    until(async () => (await ask()).statusCode === status, `an answer ${status}`);

  const listUsers = (cookie: string) => app.inject({ method: "GET", url: "/api/users", headers: { cookie } });

  it("takes a role another instance gave as the database announces it, and one this instance gave at once", async () => {
    const user = await insertUser(database.db, { email: "cache@example.com", name: "Cache", passwordHash: null });
    const cookie = await sessionCookie(database, { sub: user.id });
    expect((await listUsers(cookie)).statusCode).toBe(403);

    // As another api instance would: straight in the database, nothing told to this one.
    await database.db.execute(sql`update users set role = 'admin' where id = ${user.id}`);
    await untilStatus(() => listUsers(cookie), 200);

    // This instance takes it away: the very next request is refused.
    await setUserRole(database.db, { id: user.id, role: "user" });
    expect((await listUsers(cookie)).statusCode).toBe(403);
  });

  it("refuses a user deleted elsewhere as the database announces it", async () => {
    const user = await insertUser(database.db, { email: "gone@example.com", name: "Gone", passwordHash: null });
    const cookie = await sessionCookie(database, { sub: user.id });
    const me = () => app.inject({ method: "GET", url: "/api/users/me", headers: { cookie } });
    expect((await me()).statusCode).toBe(200);
    await database.db.execute(sql`delete from sessions where user_id = ${user.id}`);
    await database.db.execute(sql`delete from users where id = ${user.id}`);
    // The session row went with the user; the session itself is rechecked later, the user now.
    await untilStatus(me, 401);
    expect((await me()).json()).toMatchObject({ error: { code: "unauthorized" } });
  });

  it("believes a row for longer than a second while the database's announcements are heard", async () => {
    const user = await insertUser(database.db, { email: "quiet@example.com", name: "Quiet", passwordHash: null });
    const cookie = await sessionCookie(database, { sub: user.id });
    expect((await listUsers(cookie)).statusCode).toBe(403);
    // A change the database does not announce (triggers off for this statement): only the row's age could tell.
    await unannounced(database.db, sql`update users set role = 'admin' where id = ${user.id}`);
    now += 5_000;
    await new Promise((resolve) => setTimeout(resolve, 600)); // heartbeats come and go meanwhile
    expect((await listUsers(cookie)).statusCode).toBe(403);
    now += 11 * 60_000; // past the longest belief
    expect((await listUsers(cookie)).statusCode).toBe(200);
  });

  it.runIf(driver === "postgres")("keeps hearing changes after the connection that listens is lost", async () => {
    const user = await insertUser(database.db, { email: "lost@example.com", name: "Lost", passwordHash: null });
    const cookie = await sessionCookie(database, { sub: user.id });
    expect((await listUsers(cookie)).statusCode).toBe(403);
    const listening = async () =>
      executedRows<{ pid: number }>(
        await database.db.execute(sql`
          select pid from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid() and query ilike 'listen%'`),
      ).map((row) => row.pid);
    const [lost] = await listening();
    expect(lost).toBeDefined();
    await database.db.execute(sql`select pg_terminate_backend(${lost}::int)`);
    await until(async () => {
      const pids = await listening();
      return pids.length > 0 && !pids.includes(lost as number);
    }, "a new connection that listens");
    await database.db.execute(sql`update users set role = 'admin' where id = ${user.id}`);
    await untilStatus(() => listUsers(cookie), 200);
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

/** Runs a statement with the database's triggers off, so that no change is announced. */
async function unannounced(db: Db, statement: ReturnType<typeof sql>): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`set local session_replication_role = replica`);
    await tx.execute(statement);
  });
}
