import { DEFAULT_MARKETS } from "@tradeboard/core";
import { type Database, latestCandle, listCandles } from "@tradeboard/db";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ManualFeed } from "../src/market/feed.ts";
import { GAP_FILL_BATCH_MINUTES, MarketService } from "../src/services/markets.ts";
import { openTestDatabase, testDrivers } from "./helpers/database.ts";

const MINUTE = 60_000;
const DAY = 86_400_000;
const specs = DEFAULT_MARKETS.filter((m) => m.symbol === "BTC-USD");

function service(database: Database, now: number, backfillDays: number, log: string[]) {
  return new MarketService({
    db: database.db,
    feed: new ManualFeed(),
    specs,
    seed: "backfill-test",
    backfillDays,
    now: () => now,
    log: (message) => log.push(message),
  });
}

describe.each(testDrivers)("gap fill after a long pause on %s", (driver) => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase(driver);
  });
  afterAll(async () => {
    await database?.close();
  });

  it("fills only the backfill window, in batches of bounded size, with progress in the log", async () => {
    // First run on 2026-03-01 12:00 UTC: one day of history.
    const firstRun = Date.UTC(2026, 2, 1, 12, 0, 0);
    await service(database, firstRun, 1, []).init();
    const lastBefore = await latestCandle(database.db, { symbol: "BTC-USD", interval: "1m" });
    // The minute before 12:00 is the last closed one.
    expect(lastBefore?.time).toBe(firstRun - MINUTE);

    // Thirty days offline; the window is 2 days, aligned to the day: from 2026-03-29 00:00 to 2026-03-31 12:00.
    const secondRun = firstRun + 30 * DAY;
    const windowStart = Date.UTC(2026, 2, 29);
    const transaction = vi.spyOn(database.db, "transaction");
    const log: string[] = [];
    await service(database, secondRun, 2, log).init();

    // Nothing written between the old history and the window.
    const inPause = await listCandles(database.db, {
      symbol: "BTC-USD",
      interval: "1m",
      from: firstRun,
      to: windowStart - MINUTE,
      limit: 10,
    });
    expect(inPause).toEqual([]);
    // Every minute of the window, none missing: 2.5 days × 1440 = 3600 minutes.
    const inWindow = await listCandles(database.db, {
      symbol: "BTC-USD",
      interval: "1m",
      from: windowStart,
      limit: 5000,
    });
    expect(inWindow.length).toBe(3600);
    expect(inWindow[0]?.time).toBe(windowStart);
    expect(inWindow.at(-1)?.time).toBe(secondRun - MINUTE);
    expect(inWindow.every((c, i) => c.time === windowStart + i * MINUTE)).toBe(true);
    // Coarser candles of the window are there too: 2 closed days + the 12 hours of the third in 1h.
    const hours = await listCandles(database.db, { symbol: "BTC-USD", interval: "1h", from: windowStart, limit: 100 });
    expect(hours.length).toBe(60);

    // In batches: 3600 minutes in batches of at most 1440 are at least 3 transactions, one log line each.
    expect(GAP_FILL_BATCH_MINUTES).toBeLessThanOrEqual(1440);
    const transactions = transaction.mock.calls.length;
    transaction.mockRestore();
    expect(transactions).toBeGreaterThanOrEqual(Math.ceil(3600 / GAP_FILL_BATCH_MINUTES));
    const progress = log.filter((line) => line.startsWith("BTC-USD: gap fill"));
    expect(progress.length).toBe(transactions);
    expect(progress.at(-1)).toContain("3600/3600 minutes");
    expect(log.some((line) => line.includes("skipped") && line.includes("older than the 2-day backfill window"))).toBe(
      true,
    );
  });
});
