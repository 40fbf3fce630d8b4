import { Decimal } from "@tradeboard/core";
import type { Database } from "@tradeboard/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MarketOrderOutcome } from "../src/services/trading/market-batch.ts";
import { MarketOrderBatcher } from "../src/services/trading/market-order-batcher.ts";
import { openTestDatabase, testDrivers } from "./helpers/database.ts";
import { balancesOf, expectLedgerMatches } from "./helpers/ledger.ts";
import { marketOrderRequest, openFundedAccount } from "./helpers/market-orders.ts";

const buy = (userId: string, quantity: string) =>
  marketOrderRequest(
    userId,
    { side: "buy", quantity, clientOrderId: null, requestHash: "batcher-test" },
    new Decimal("50000"),
  );
const openAccount = (database: Database) => openFundedAccount(database, "Batcher", "10000");

/** A promise with its settling recorded, to see what has been answered at a given moment. */
function watched<T>(promise: Promise<T>) {
  const state = { settled: false, promise };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}

// Two batches are in flight at once only on Postgres (PGlite runs one transaction at a time).
describe.runIf(testDrivers.includes("postgres"))("market-order batches in flight together, on postgres", () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase("postgres");
  });
  afterAll(async () => {
    await database.close();
  });

  it("answers another account's order while a busy account's batch is still open, and runs that account's next orders together after it", async () => {
    const busy = await openAccount(database);
    const other = await openAccount(database);
    // The first batch is held open before its commit (its rows locked) until the test lets it go.
    let reachedFirst!: () => void;
    const firstHeld = new Promise<void>((resolve) => (reachedFirst = resolve));
    let releaseFirst!: () => void;
    const released = new Promise<void>((resolve) => (releaseFirst = resolve));
    let batches = 0;
    const batcher = new MarketOrderBatcher({
      db: database.db,
      feeRate: "0.001",
      maxInFlight: 2,
      async beforeCommit() {
        batches++;
        if (batches === 1) {
          reachedFirst();
          await released;
        }
      },
    });

    const first = watched(batcher.submit(buy(busy, "0.01")));
    await firstHeld;
    const second = watched(batcher.submit(buy(busy, "0.02")));
    const third = watched(batcher.submit(buy(busy, "0.03")));
    const others = watched(batcher.submit(buy(other, "0.04")));

    // The other account's order waits on nothing of the busy one's: it is answered while the first batch is held.
    // (Should it wait, the first batch is let go after a while anyway, and the assertion below fails.)
    const fallback = setTimeout(releaseFirst, 5000);
    const otherOutcome = await others.promise;
    const answeredWhileHeld = !first.settled;
    releaseFirst();
    clearTimeout(fallback);
    expect(otherOutcome.kind).toBe("filled");
    expect(answeredWhileHeld).toBe(true);
    expect(second.settled || third.settled).toBe(false);

    const outcomes: MarketOrderOutcome[] = await Promise.all([first.promise, second.promise, third.promise]);
    expect(outcomes.map((o) => o.kind)).toEqual(["filled", "filled", "filled"]);
    // The busy account's two later orders waited for its batch and went together: three batches in all.
    expect(batches).toBe(3);

    // 0.06 BTC bought at 50,000 = 3,000 USD plus 0.1 % fee (3 USD): 10,000 - 3,003 = 6,997 USD left.
    expect(await balancesOf(database.db, busy)).toEqual({
      BTC: { available: "0.06", held: "0" },
      USD: { available: "6997", held: "0" },
    });
    await expectLedgerMatches(database.db, busy);
  });
});
