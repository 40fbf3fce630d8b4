import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, executedRows, insertUser, openDatabase } from "../src/index.ts";

/**
 * PGlite has no autovacuum: the planner's statistics are what the api last
 * gathered. Gathered once at start on a fresh database, they say every table
 * is empty, and the plans made from them (sequential scans, foreign-key checks
 * that read a whole table) get slower with every row written after it.
 */
describe("planner statistics on PGlite", () => {
  let database: Database;
  const rowsOf = async (table: string) => {
    const result = await database.db.execute(sql`select reltuples::int as n from pg_class where relname = ${table}`);
    return executedRows<{ n: number }>(result)[0]?.n;
  };
  const addUsers = async (count: number) => {
    for (let i = 0; i < count; i++)
      await insertUser(database.db, { email: `u${i}-${Math.random()}@example.com`, name: "U", passwordHash: null });
  };

  beforeAll(async () => {
    database = await openDatabase({ memory: true });
    await database.migrate();
    // As at a fresh start: every table analyzed while it is empty.
    await database.analyze();
  });
  afterAll(() => database.close());

  it("gathers them again for a table once enough of it changed, as autovacuum would, and not before", async () => {
    expect(await rowsOf("users")).toBe(0);
    await addUsers(120);
    expect(await database.analyzeChanged()).toEqual(["users"]);
    expect(await rowsOf("users")).toBe(120);

    // Nothing changed since: nothing to do.
    expect(await database.analyzeChanged()).toEqual([]);
    // Below the threshold (50 rows plus a tenth of the table): not yet.
    await addUsers(30);
    expect(await database.analyzeChanged()).toEqual([]);
    expect(await rowsOf("users")).toBe(120);
    await addUsers(40);
    expect(await database.analyzeChanged()).toEqual(["users"]);
    expect(await rowsOf("users")).toBe(190);
  });
});
