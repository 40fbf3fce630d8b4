import type { AddressInfo } from "node:net";
import { DEFAULT_MARKETS } from "@tradeboard/core";
import { type Database, listCandles } from "@tradeboard/db";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../src/server.ts";
import { RECHECK_DELAY_MS } from "../src/services/markets.ts";
import { signedInUser, testConfig } from "./helpers/app.ts";
import { openTestDatabase, testDrivers } from "./helpers/database.ts";
import { until, VenueServer } from "./helpers/venue-server.ts";
import { TestSocket } from "./helpers/ws-client.ts";

const MINUTE = 60_000;
const specs = DEFAULT_MARKETS.filter((m) => m.symbol === "BTC-USD");

// Coinbase Advanced Trade messages, one sequence per connection.
let seq = 0;
const msg = (channel: string, events: unknown[]) =>
  JSON.stringify({ channel, client_id: "", timestamp: "2026-03-01T12:00:00Z", sequence_num: seq++, events });
const snapshot = () =>
  msg("l2_data", [
    {
      type: "snapshot",
      product_id: "BTC-USD",
      updates: [
        { side: "bid", event_time: "2026-03-01T12:00:00Z", price_level: "63999.00", new_quantity: "1" },
        { side: "offer", event_time: "2026-03-01T12:00:00Z", price_level: "64001.00", new_quantity: "1" },
      ],
    },
  ]);
let tradeId = 1000;
const trade = (price: string, size: string, time: number) =>
  msg("market_trades", [
    {
      type: "update",
      trades: [
        {
          trade_id: String(++tradeId),
          product_id: "BTC-USD",
          price,
          size,
          side: "SELL",
          time: new Date(time).toISOString(),
        },
      ],
    },
  ]);

describe.each(testDrivers)("the api on a live venue feed (Coinbase, replayed locally) on %s", (driver) => {
  let database: Database;
  let app: FastifyInstance;
  let venue: VenueServer;
  // 2026-03-01T12:00:30Z; the api's clock, and the feed's.
  let clock = Date.UTC(2026, 2, 1, 12, 0, 30);
  const candleRequests: { start: number; end: number }[] = [];
  let user: Awaited<ReturnType<typeof signedInUser>>;

  const call = (method: "GET" | "POST", url: string, payload?: object) =>
    app.inject({ method, url, headers: { cookie: user.cookie }, ...(payload ? { payload } : {}) });
  const market = async () => (await call("GET", "/api/markets")).json();
  const subscribed = (connection: number) =>
    until(() => venue.received.filter((r) => r.connection === connection).length === 4, "subscriptions");

  beforeAll(async () => {
    venue = await VenueServer.start();
    // The venue's candles: one per minute, close 64000.00 + (minute mod 7), volume 0.1 — any range asked for.
    venue.route("/api/v3/brokerage/market/products/BTC-USD/candles", (url) => {
      const start = Number(url.searchParams.get("start")) * 1000;
      const end = Number(url.searchParams.get("end")) * 1000;
      candleRequests.push({ start, end });
      const candles = [];
      for (let t = start; t <= end; t += MINUTE) {
        const close = (64000 + ((t / MINUTE) % 7)).toFixed(2);
        candles.push({ start: String(t / 1000), low: close, high: close, open: close, close, volume: "0.1" });
      }
      return { body: { candles: candles.reverse() } };
    });
    database = await openTestDatabase(driver);
    app = await buildServer({
      database,
      config: testConfig({
        MARKET_FEED: "coinbase",
        MARKET_WS_URL: venue.wsUrl,
        MARKET_REST_URL: venue.restUrl,
        MARKET_STALE_SECONDS: 10,
        SLIPPAGE_RATE: "0",
      }),
      specs,
      now: () => clock,
    });
    await app.markets.init();
    await app.trading.rebuild();
    await app.alerts.rebuild();
    await app.listen({ port: 0, host: "127.0.0.1" });
    app.markets.start();
    user = await signedInUser(database, "live", { usd: "100000" });
  });
  afterAll(async () => {
    await app?.close();
    await venue?.close();
    await database?.close();
  });

  it("starts stale, says where prices come from, and fetches the backfill window from the venue's candles", async () => {
    const first = await market();
    expect(first.feed).toMatchObject({ kind: "coinbase", source: "Coinbase" });
    expect(first.markets[0]).toMatchObject({
      symbol: "BTC-USD",
      source: { kind: "coinbase", name: "Coinbase", venueSymbol: "BTC-USD", quote: "USD" },
      stale: true,
    });
    await until(() => candleRequests.length > 0, "the candles request");
    await app.markets.repaired();
    // One day back from 12:00 aligned to its day: 2026-02-28T00:00 to 2026-03-01T12:00 = 36 h = 2160 minutes,
    // 350 a page → 7 pages (6 × 350 = 2100, then 60).
    expect(candleRequests.length).toBe(7);
    expect(candleRequests[0]?.start).toBe(Date.UTC(2026, 1, 28));
    const stored = await listCandles(database.db, { symbol: "BTC-USD", interval: "1m", from: 0, limit: 5000 });
    expect(stored.length).toBe(2160);
    expect(stored.at(-1)?.time).toBe(Date.UTC(2026, 2, 1, 11, 59));
    const hours = await listCandles(database.db, { symbol: "BTC-USD", interval: "1h", from: 0, limit: 100 });
    expect(hours.length).toBe(36);
    // An hour of 60 venue minutes of 0.1 = 6 BTC
    expect(Number(hours[0]?.volume)).toBe(6);
  });

  it("refuses a market order while stale with market_stale and the reason", async () => {
    const res = await call("POST", "/api/trades", { symbol: "BTC-USD", side: "buy", type: "market", quantity: "0.01" });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe("market_stale");
    expect(res.json().error.message).toMatch(/^BTC-USD has no fresh prices: Coinbase /);
  });

  it("fills a market order at the replayed price once the venue's data is fresh", async () => {
    await subscribed(0);
    seq = 0;
    venue.send(snapshot(), trade("64123.45", "0.5", clock - 5_000));
    await until(() => app.markets.get("BTC-USD")?.ticker.price === "64123.45", "the replayed trade");
    expect(app.markets.get("BTC-USD")?.stale).toBe(false);
    const res = await call("POST", "/api/trades", { symbol: "BTC-USD", side: "buy", type: "market", quantity: "0.01" });
    expect(res.statusCode).toBe(201);
    // Slippage 0: filled at the last replayed trade.
    expect(res.json()).toMatchObject({ status: "filled", averagePrice: "64123.45" });
  });

  it("tells WebSocket subscribers when the market turns stale and fresh, and fires no resting order on prices seen while stale", async () => {
    const socket = await TestSocket.open(`ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/ws`, {
      origin: "http://localhost:3000",
    });
    socket.send({ type: "subscribe", channels: ["ticker:BTC-USD"] });
    await socket.next("subscribed");
    const limit = await call("POST", "/api/trades", {
      symbol: "BTC-USD",
      side: "buy",
      type: "limit",
      quantity: "0.01",
      limitPrice: "64000.00",
    });
    expect(limit.statusCode).toBe(201);
    // Three minutes offline.
    venue.drop();
    await until(() => app.markets.get("BTC-USD")?.staleReason === "disconnected", "stale");
    const staleTicker = await socket.next("ticker", (m) => m.data.stale === true);
    expect(staleTicker.data.stale).toBe(true);
    clock += 3 * MINUTE; // 12:03:30
    await subscribed(1);
    seq = 0;
    const requestsBefore = candleRequests.length;
    // Before the new snapshot: still resynchronising, so this crossing must not fill the limit buy.
    venue.send(trade("63900.00", "0.2", clock - 1_000));
    await until(() => app.markets.get("BTC-USD")?.ticker.price === "63900.00", "the trade seen");
    expect(app.markets.get("BTC-USD")?.stale).toBe(true);
    venue.send(snapshot());
    await until(() => app.markets.get("BTC-USD")?.stale === false, "fresh");
    await app.trading.settled();
    const order = (await call("GET", `/api/trades/${limit.json().id}`)).json();
    expect(order.status).toBe("new");
    const freshTicker = await socket.next("ticker", (m) => m.data.stale === false);
    expect(freshTicker.data.stale).toBe(false);
    // The gap since the minute of the last trade before the drop (12:00) was fetched: start 12:00, end 12:02:59.
    await app.markets.repaired();
    expect(candleRequests.slice(requestsBefore)).toEqual([
      { start: Date.UTC(2026, 2, 1, 12, 0), end: Date.UTC(2026, 2, 1, 12, 2, 59) },
    ]);
    const minutes = await listCandles(database.db, {
      symbol: "BTC-USD",
      interval: "1m",
      from: Date.UTC(2026, 2, 1, 12, 0),
      limit: 10,
    });
    // The venue's minutes 12:00, 12:01, 12:02 (close 64000 + minute mod 7).
    expect(minutes.map((c) => [c.time, Number(c.close)])).toEqual(
      [0, 1, 2].map((m) => {
        const t = Date.UTC(2026, 2, 1, 12, m);
        return [t, 64000 + ((t / MINUTE) % 7)];
      }),
    );
    // A fresh trade through the limit fills it.
    venue.send(trade("63990.00", "0.1", clock));
    await until(() => app.markets.get("BTC-USD")?.ticker.price === "63990.00", "the fresh trade");
    await app.trading.settled();
    const filled = (await call("GET", `/api/trades/${limit.json().id}`)).json();
    expect(filled.status).toBe("filled");
    socket.socket.close();
  });

  it("fetches again, once it has closed, the minute the data came back in (its first trades were lost)", async () => {
    // Back at 12:03:30: the trades of 12:03:00–12:03:30 never arrived. 12:03 closes; its candle settles.
    const requestsBefore = candleRequests.length;
    clock = Date.UTC(2026, 2, 1, 12, 4, 0) + RECHECK_DELAY_MS;
    venue.send(trade("63995.00", "0.1", clock));
    await until(() => app.markets.get("BTC-USD")?.ticker.price === "63995.00", "the trade of 12:04");
    await until(() => candleRequests.length > requestsBefore, "the recheck");
    await app.markets.repaired();
    const minute = Date.UTC(2026, 2, 1, 12, 3);
    expect(candleRequests.slice(requestsBefore)).toEqual([{ start: minute, end: minute + MINUTE - 1_000 }]);
    const [stored] = await listCandles(database.db, { symbol: "BTC-USD", interval: "1m", from: minute, limit: 1 });
    // The venue's candle, not the two trades seen after the reconnect (63900.00 × 0.2, 63990.00 × 0.1).
    expect([stored?.time, Number(stored?.close), Number(stored?.volume)]).toEqual([
      minute,
      64000 + ((minute / MINUTE) % 7),
      0.1,
    ]);
    expect(app.markets.get("BTC-USD")?.stale, "prices stayed usable meanwhile").toBe(false);
  });
});

describe("the api with a live feed and no network", () => {
  let database: Database;
  let app: FastifyInstance;
  beforeAll(async () => {
    database = await openTestDatabase("pglite");
    app = await buildServer({
      database,
      config: testConfig({
        MARKET_FEED: "kraken",
        MARKET_WS_URL: "ws://127.0.0.1:9", // nothing listens on the discard port
        MARKET_REST_URL: "http://127.0.0.1:9",
      }),
      specs,
    });
    await app.markets.init();
    app.markets.start();
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  it("starts, says the venue is unreachable, marks its markets stale, and serves them", async () => {
    await until(() => app.markets.feedStatus().state === "unreachable", "unreachable");
    await app.markets.repaired();
    const body = (await app.inject({ method: "GET", url: "/api/markets" })).json();
    expect(body.feed).toMatchObject({ kind: "kraken", source: "Kraken", state: "unreachable" });
    expect(body.feed.message).toMatch(/^Kraken is unreachable \(ECONNREFUSED\); retrying in \d+ s$/);
    expect(body.markets[0]).toMatchObject({ symbol: "BTC-USD", stale: true, staleReason: "unreachable" });
    expect(body.markets[0].source).toEqual({ kind: "kraken", name: "Kraken", venueSymbol: "BTC/USD", quote: "USD" });
    const candles = await app.inject({ method: "GET", url: "/api/markets/BTC-USD/candles?interval=1m" });
    expect(candles.statusCode).toBe(200);
  });
});
