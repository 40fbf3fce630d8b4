import { type Database, insertUser, type UserRow } from "@tradeboard/db";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserCache } from "../src/auth/user-cache.ts";
import type { UserChangeSource } from "../src/auth/user-changes.ts";
import { openTestDatabase } from "./helpers/database.ts";

/**
 * When the cache may believe a row for longer than its second: only while
 * the changes are heard to within that second, in the listen its read began
 * in. The source of changes is played by hand here (what the database and
 * UserChanges do is tested through the api in user-cache.test.ts).
 */
describe("the user cache with announced changes", () => {
  let database: Database;
  let now = 1_000_000;
  const listeners = new Set<(userId: string) => void>();
  const source = {
    epoch: 1,
    heard: 1_000_000,
    heardUpTo() {
      return this.heard;
    },
    onChanged(listener: (userId: string) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  } satisfies UserChangeSource & { heard: number };
  let cache: UserCache;

  beforeAll(async () => {
    database = await openTestDatabase("pglite");
    cache = new UserCache({ db: database.db, ttlMs: 1_000, changes: source, heardTtlMs: 60_000, now: () => now });
  });
  afterAll(async () => {
    cache?.close();
    await database?.close();
  });

  /** A user whose role changes behind the cache's back (the change is not announced). */
  async function cachedThenChanged(email: string): Promise<UserRow> {
    const user = await insertUser(database.db, { email, name: email, passwordHash: null });
    expect((await cache.find(user.id))?.role).toBe("user");
    await database.db.execute(sql`update users set role = 'admin' where id = ${user.id}`);
    return user;
  }

  it("believes a row past the second while heartbeats of the last second come back", async () => {
    const user = await cachedThenChanged("heard@example.com");
    now += 30_000;
    source.heard = now - 500;
    expect((await cache.find(user.id))?.role).toBe("user");
    now += 31_000; // past heardTtlMs
    source.heard = now;
    expect((await cache.find(user.id))?.role).toBe("admin");
  });

  it("falls back to the second when the heartbeats stop coming back", async () => {
    const user = await cachedThenChanged("quiet@example.com");
    now += 1_500;
    source.heard = now - 1_200;
    expect((await cache.find(user.id))?.role).toBe("admin");
  });

  it("does not believe a row read before the listen was made anew", async () => {
    const user = await cachedThenChanged("relisten@example.com");
    source.epoch += 1;
    now += 1_000;
    source.heard = now;
    expect((await cache.find(user.id))?.role).toBe("admin");
  });

  it("reads a row again as soon as its change is announced", async () => {
    const user = await cachedThenChanged("announced@example.com");
    for (const listener of listeners) listener(user.id);
    expect((await cache.find(user.id))?.role).toBe("admin");
  });
});
