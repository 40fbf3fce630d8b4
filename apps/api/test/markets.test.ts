import { type Candle, candleOpenTime, isOnGrid, mergeCandles } from "@tradeboard/core";
import { type Database, listCandles } from "@tradeboard/db";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ManualFeed } from "../src/market/feed.ts";
import { startTestApp, testApp } from "./helpers/app.ts";
import { testDrivers } from "./helpers/database.ts";

describe.each(testDrivers)("market data on %s", (driver) => {
  let database: Database;
  let app: FastifyInstance;
  let feed: ManualFeed;

  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ database, app, feed, stop } = await startTestApp({ driver: driver }));
  });
  afterAll(async () => {
    await stop?.();
  });

  const get = async (url: string) => {
    const res = await app.inject({ method: "GET", url });
    return { status: res.statusCode, body: res.json() };
  };

  it("lists the markets with their grids and live 24 h statistics", async () => {
    const { status, body } = await get("/api/markets");
    expect(status).toBe(200);
    const symbols = body.markets.map((m: { symbol: string }) => m.symbol);
    expect(symbols).toEqual(["BTC-USD", "ETH-USD", "SOL-USD", "DOGE-USD", "AVAX-USD"]);
    for (const market of body.markets) {
      const { ticker, tickSize } = market;
      for (const price of [ticker.price, ticker.open24h, ticker.high24h, ticker.low24h]) {
        expect(isOnGrid(price, tickSize)).toBe(true);
      }
      expect(Number(ticker.high24h)).toBeGreaterThanOrEqual(Number(ticker.low24h));
      expect(ticker.changePercent24h).toMatch(/^-?\d+\.\d{2}$/);
    }
  });

  it("answers one market, and clear errors for unknown or malformed symbols", async () => {
    expect((await get("/api/markets/ETH-USD")).body).toMatchObject({ symbol: "ETH-USD", base: "ETH", quote: "USD" });
    const unknown = await get("/api/markets/XRP-USD");
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: { code: "not_found" } });
    expect((await get("/api/markets/btc")).status).toBe(400);
  });

  it("serves backfilled history for every interval, aligned and consistent", async () => {
    const minutes = (await get("/api/markets/BTC-USD/candles?interval=1m&limit=1500")).body.candles as Candle[];
    expect(minutes.length).toBe(1500);
    expect(minutes.slice(1).every((c, i) => c.time - (minutes[i]?.time ?? 0) === 60_000)).toBe(true);
    const fives = (await get("/api/markets/BTC-USD/candles?interval=5m&limit=100")).body.candles as Candle[];
    for (const c of fives) expect(c.time % 300_000).toBe(0);
    // Each closed 5m candle is the merge of its five 1m candles.
    const closedFive = fives.filter((c) => c.time + 300_000 <= candleOpenTime(Date.now(), "1m")).slice(-10);
    const expected = mergeCandles(
      minutes.filter((m) => m.time >= (closedFive[0]?.time ?? 0) && m.time < (closedFive.at(-1)?.time ?? 0) + 300_000),
      "5m",
    );
    expect(closedFive.map((c) => [c.open, c.high, c.low, c.close])).toEqual(
      expected.map((c) => [c.open, c.high, c.low, c.close].map((v) => Number(v).toFixed(2))),
    );
    for (const interval of ["15m", "1h", "4h", "1d"]) {
      const res = await get(`/api/markets/SOL-USD/candles?interval=${interval}`);
      expect(res.status).toBe(200);
      expect(res.body.candles.length).toBeGreaterThan(0);
    }
  });

  it.each([
    ["interval=7m", "interval"],
    ["limit=0", "limit"],
    ["limit=5000", "limit"],
    ["from=abc", "from"],
    ["from=2000&to=1000", "from"],
    ["colour=red", "_"],
  ])("refuses ?%s with a 400 naming %s", async (query, field) => {
    const res = await get(`/api/markets/BTC-USD/candles?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error.fields).toHaveProperty(field);
  });

  it("returns a window between from and to", async () => {
    const all = (await get("/api/markets/ETH-USD/candles?interval=1h&limit=48")).body.candles as Candle[];
    const from = all[10]?.time ?? 0;
    const to = all[14]?.time ?? 0;
    const window = (await get(`/api/markets/ETH-USD/candles?interval=1h&from=${from}&to=${to}`)).body
      .candles as Candle[];
    expect(window.map((c) => c.time)).toEqual(all.slice(10, 15).map((c) => c.time));
  });

  it("moves the ticker and the forming candle with each trade, and stores the candle when it closes", async () => {
    const start = candleOpenTime(Date.now(), "1m") + 120_000; // a minute of its own, ahead of the clock
    feed.trade("AVAX-USD", "40.00", { quantity: "2", time: start + 1_000 });
    feed.trade("AVAX-USD", "41.50", { quantity: "1.5", time: start + 2_000 });
    feed.trade("AVAX-USD", "39.25", { quantity: "0.25", time: start + 3_000 });
    const forming = (await get("/api/markets/AVAX-USD/candles?interval=1m&limit=1")).body.candles as Candle[];
    // open 40, high 41.50, low 39.25, close 39.25, volume 2 + 1.5 + 0.25 = 3.75
    expect(forming).toEqual([
      { time: start, open: "40.00", high: "41.50", low: "39.25", close: "39.25", volume: "3.75" },
    ]);
    const { ticker } = (await get("/api/markets/AVAX-USD")).body;
    expect(ticker.price).toBe("39.25");
    expect(Number(ticker.high24h)).toBeGreaterThanOrEqual(41.5);

    feed.trade("AVAX-USD", "39.30", { quantity: "1", time: start + 60_000 });
    await app.markets.flush();
    const stored = await listCandles(database.db, {
      symbol: "AVAX-USD",
      interval: "1m",
      from: start,
      to: start,
      limit: 1,
    });
    expect(stored.map((c) => [c.time, Number(c.close), Number(c.volume)])).toEqual([[start, 39.25, 3.75]]);
  });

  it("keeps its history across a restart and backfills only once", async () => {
    const before = await listCandles(database.db, { symbol: "DOGE-USD", interval: "1m", from: 0, limit: 5000 });
    const second = await testApp(database);
    await second.app.markets.init();
    const after = await listCandles(database.db, { symbol: "DOGE-USD", interval: "1m", from: 0, limit: 5000 });
    // Only the minutes since the first start were added, and the first ones were not rewritten.
    expect(after.length - before.length).toBeLessThanOrEqual(2);
    expect(after.slice(0, before.length)).toEqual(before);
    await second.app.close();
  });
});
