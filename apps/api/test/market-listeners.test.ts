import { DEFAULT_MARKETS } from "@tradeboard/core";
import type { Database } from "@tradeboard/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualFeed } from "../src/market/feed.ts";
import { MarketService } from "../src/services/markets.ts";
import { openTestDatabase } from "./helpers/database.ts";

const specs = DEFAULT_MARKETS.filter((m) => m.symbol === "BTC-USD");
const MINUTE = 60_000;

describe("market listeners", () => {
  let database: Database;
  let markets: MarketService;
  const feed = new ManualFeed();
  const log: string[] = [];
  // The service's clock stands at the start of a minute; the trades carry their own times after it.
  const start = Math.floor(Date.now() / MINUTE) * MINUTE;

  beforeAll(async () => {
    database = await openTestDatabase("pglite");
    markets = new MarketService({
      db: database.db,
      feed,
      specs,
      seed: "listeners",
      backfillDays: 1,
      now: () => start,
      log: (message) => log.push(message),
    });
    await markets.init();
    markets.start();
  });
  afterAll(async () => {
    await markets?.stop();
    await database?.close();
  });

  it("a listener that throws is logged and the listeners after it still hear every tick", async () => {
    const heard = { price: [] as string[], trade: [] as string[], closed: [] as string[] };
    markets.onPrice(() => {
      throw new Error("price listener broke");
    });
    markets.onPrice((_symbol, price) => heard.price.push(price));
    markets.onTrade(() => {
      throw new Error("trade listener broke");
    });
    markets.onTrade((tick) => heard.trade.push(tick.price));
    markets.onCandleClosed(() => {
      throw new Error("candle listener broke");
    });
    markets.onCandleClosed((_symbol, interval) => heard.closed.push(interval));

    feed.trade("BTC-USD", "60000.00", { quantity: "1", time: start + 1_000 });
    // The next minute: the first one's candle closes.
    feed.trade("BTC-USD", "60100.00", { quantity: "1", time: start + MINUTE + 1_000 });

    expect(heard.price).toEqual(["60000.00", "60100.00"]);
    expect(heard.trade).toEqual(["60000.00", "60100.00"]);
    expect(heard.closed).toContain("1m");
    expect(log.filter((line) => line.includes("price listener broke"))).toHaveLength(2);
    expect(log.filter((line) => line.includes("trade listener broke"))).toHaveLength(2);
    expect(log.some((line) => line.includes("candle listener broke"))).toBe(true);
  });
});
