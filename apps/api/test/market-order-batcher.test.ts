import { randomUUID } from "node:crypto";
import { DEFAULT_MARKETS, Decimal } from "@tradeboard/core";
import { type Database, insertUser, listBalances, postLedgerEntry, sumLedger } from "@tradeboard/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MarketOrderOutcome, MarketOrderRequest } from "../src/services/trading/market-batch.ts";
import { MarketOrderBatcher } from "../src/services/trading/market-order-batcher.ts";
import { openTestDatabase, testDrivers } from "./helpers/database.ts";

const spec = (() => {
  const found = DEFAULT_MARKETS.find((m) => m.symbol === "BTC-USD");
  if (!found) throw new Error("BTC-USD is not a default market");
  return found;
})();
const PRICE = new Decimal("50000");

function buy(userId: string, quantity: string): MarketOrderRequest {
  return {
    order: {
      userId,
      clientOrderId: null,
      requestHash: "batcher-test",
      symbol: spec.symbol,
      side: "buy",
      type: "market",
      timeInForce: "gtc",
      status: "filled",
      quantity,
      filledQuantity: quantity,
    },
    spec,
    side: "buy",
    price: PRICE,
  };
}

async function openAccount(database: Database): Promise<string> {
  const user = await insertUser(database.db, {
    email: `batcher-${randomUUID()}@example.com`,
    name: "Batcher",
    passwordHash: null,
  });
  await postLedgerEntry(database.db, {
    userId: user.id,
    asset: "USD",
    kind: "initial_deposit",
    availableDelta: "10000",
  });
  return user.id;
}

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
    const balances = await listBalances(database.db, { userId: busy });
    expect(balances.map((b) => [b.asset, b.available])).toEqual([
      ["BTC", "0.060000000000000000"],
      ["USD", "6997.000000000000000000"],
    ]);
    const sums = await sumLedger(database.db, { userId: busy });
    expect(sums.map((s) => [s.asset, s.available])).toEqual(balances.map((b) => [b.asset, b.available]));
  });
});
