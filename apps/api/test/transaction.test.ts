import {
  type Database,
  insertUser,
  isRetryableConflict,
  retryingTransaction,
  type Transaction,
  users,
} from "@tradeboard/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, testDrivers } from "./helpers/database.ts";

// PGlite has one connection: transactions never overlap there, so no lock cycle can form.
describe.runIf(testDrivers.includes("postgres"))("transactions caught in a lock cycle, on postgres", () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase("postgres");
  });
  afterAll(async () => {
    await database?.close();
  });

  /** Two transactions that lock two rows in opposite orders, each taking its first lock before either takes its second. */
  async function cycle(run: (work: (tx: Transaction) => Promise<void>) => Promise<void>) {
    const [a, b] = await Promise.all(
      ["a", "b"].map((name) =>
        insertUser(database.db, { email: `${name}-${Math.random()}@example.com`, name, passwordHash: null }),
      ),
    );
    if (!a || !b) throw new Error("users not created");
    let arrived = 0;
    let release = () => {};
    const bothHoldTheirFirstLock = new Promise<void>((resolve) => {
      release = resolve;
    });
    const attempts = [0, 0];
    const side = (index: number, first: string, second: string) => async (tx: Transaction) => {
      attempts[index] = (attempts[index] ?? 0) + 1;
      await tx
        .update(users)
        .set({ name: `side ${index}` })
        .where(eq(users.id, first));
      if (attempts[index] === 1) {
        if (++arrived === 2) release();
        await bothHoldTheirFirstLock;
      }
      await tx
        .update(users)
        .set({ name: `side ${index}` })
        .where(eq(users.id, second));
    };
    const results = await Promise.allSettled([run(side(0, a.id, b.id)), run(side(1, b.id, a.id))]);
    return { results, attempts, a: a.id, b: b.id };
  }

  it("fails one side with a deadlock when nothing retries (what the retry is for)", async () => {
    const { results } = await cycle((work) => database.db.transaction(work));
    const failed = results.filter((r) => r.status === "rejected");
    expect(failed).toHaveLength(1);
    expect(isRetryableConflict((failed[0] as PromiseRejectedResult).reason)).toBe(true);
  });

  it("runs the deadlock victim again, so both sides commit", async () => {
    const { results, attempts, a, b } = await cycle((work) => retryingTransaction(database.db, work));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled"]);
    expect((attempts[0] ?? 0) + (attempts[1] ?? 0)).toBe(3);
    // Each side wrote both rows; the one that committed last owns both.
    const [rowA] = await database.db.select().from(users).where(eq(users.id, a));
    const [rowB] = await database.db.select().from(users).where(eq(users.id, b));
    expect(rowA?.name).toBe(rowB?.name);
  });
});
