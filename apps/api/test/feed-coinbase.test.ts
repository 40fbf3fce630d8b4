import { type Candle, CandleBuilder, Decimal, type Tick } from "@tradeboard/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CoinbaseFeed } from "../src/market/coinbase.ts";
import { until, VenueServer } from "./helpers/venue-server.ts";

// Messages below follow Coinbase Advanced Trade's documented market data format:
// {"channel","client_id","timestamp","sequence_num","events":[...]}, one sequence per connection.
const T0 = Date.UTC(2026, 2, 1, 12, 0, 0); // 2026-03-01T12:00:00Z = 1772366400 s
let seq = 0;
const msg = (channel: string, events: unknown[], sequence = seq++) =>
  JSON.stringify({
    channel,
    client_id: "",
    timestamp: "2026-03-01T12:00:00.123456789Z",
    sequence_num: sequence,
    events,
  });
const snapshot = (product: string, bids: [string, string][], offers: [string, string][]) =>
  msg("l2_data", [
    {
      type: "snapshot",
      product_id: product,
      updates: [
        ...bids.map(([p, q]) => ({ side: "bid", event_time: "1970-01-01T00:00:00Z", price_level: p, new_quantity: q })),
        ...offers.map(([p, q]) => ({
          side: "offer",
          event_time: "1970-01-01T00:00:00Z",
          price_level: p,
          new_quantity: q,
        })),
      ],
    },
  ]);
const trade = (id: string, product: string, price: string, size: string, time: string) => ({
  trade_id: id,
  product_id: product,
  price,
  size,
  side: "BUY",
  time,
});
const heartbeat = () =>
  msg("heartbeats", [{ current_time: "2026-03-01 12:00:01 +0000 UTC", heartbeat_counter: String(seq) }]);

describe("Coinbase Advanced Trade adapter against a local replay of its documented messages", () => {
  let server: VenueServer;
  let feed: CoinbaseFeed;
  let clock = T0;
  const ticks: Tick[] = [];
  const statuses: string[] = [];
  const logs: string[] = [];

  const subscribed = (connection: number) =>
    until(
      () => server.received.filter((r) => r.connection === connection).length === 4,
      `the four subscriptions of connection ${connection}`,
    );

  beforeAll(async () => {
    server = await VenueServer.start();
    feed = new CoinbaseFeed({
      markets: [
        { symbol: "BTC-USD", base: "BTC", quote: "USD" },
        { symbol: "ETH-USD", base: "ETH", quote: "USD" },
      ],
      wsUrl: server.wsUrl,
      restUrl: server.restUrl,
      staleMs: 10_000,
      now: () => clock,
      random: () => 0,
      reconnectBaseMs: 10,
      restIntervalMs: 0,
      checkIntervalMs: 0,
      log: (_level, message) => logs.push(message),
    });
    feed.start((tick) => ticks.push(tick), new Map(), {
      status: (symbol, s) => statuses.push(`${symbol}:${s.stale ? s.reason : "fresh"}`),
    });
  });
  afterAll(async () => {
    feed?.stop();
    await server?.close();
  });

  it("subscribes to heartbeats, ticker, market_trades and level2 at once on connecting, one channel per message", async () => {
    await subscribed(0);
    expect(server.received.map((r) => r.message)).toEqual(
      ["heartbeats", "ticker", "market_trades", "level2"].map((channel) => ({
        type: "subscribe",
        product_ids: ["BTC-USD", "ETH-USD"],
        channel,
      })),
    );
    expect(feed.status("BTC-USD")).toEqual({ stale: true, reason: "connecting" });
  });

  it("a normal session: book from the snapshot and updates, trades once each in order, fresh after the snapshot", async () => {
    seq = 0;
    server.send(
      msg("subscriptions", [{ subscriptions: { level2: ["BTC-USD", "ETH-USD"] } }]),
      snapshot(
        "BTC-USD",
        [
          ["64000.00", "0.5"],
          ["63999.50", "1.2"],
        ],
        [
          ["64000.50", "0.3"],
          ["64001.00", "2.0"],
        ],
      ),
      snapshot("ETH-USD", [["3200.10", "4"]], [["3200.20", "5"]]),
      // The snapshot of market_trades lists the latest trades newest first.
      msg("market_trades", [
        {
          type: "snapshot",
          trades: [
            trade("102", "BTC-USD", "64000.50", "0.01", "2026-03-01T12:00:05.200Z"),
            trade("101", "BTC-USD", "64000.00", "0.02", "2026-03-01T12:00:03.100Z"),
          ],
        },
      ]),
      msg("market_trades", [
        { type: "update", trades: [trade("103", "BTC-USD", "64001.00", "0.5", "2026-03-01T12:00:30Z")] },
      ]),
      msg("l2_data", [
        {
          type: "update",
          product_id: "BTC-USD",
          updates: [
            { side: "bid", event_time: "2026-03-01T12:00:31Z", price_level: "64000.00", new_quantity: "0" },
            { side: "bid", event_time: "2026-03-01T12:00:31Z", price_level: "64000.25", new_quantity: "0.7" },
            { side: "offer", event_time: "2026-03-01T12:00:31Z", price_level: "64000.50", new_quantity: "0.1" },
          ],
        },
      ]),
      msg("ticker", [
        {
          type: "update",
          tickers: [
            {
              type: "ticker",
              product_id: "BTC-USD",
              price: "64001.00",
              volume_24_h: "16038.28770938",
              low_24_h: "63000",
              high_24_h: "65000",
              low_52_w: "15460",
              high_52_w: "73000",
              price_percent_chg_24_h: "1.2",
              best_bid: "64000.25",
              best_bid_quantity: "0.7",
              best_ask: "64000.50",
              best_ask_quantity: "0.1",
            },
          ],
        },
      ]),
      heartbeat(),
      msg("market_trades", [
        { type: "update", trades: [trade("104", "BTC-USD", "63990.00", "0.25", "2026-03-01T12:01:10.500Z")] },
      ]),
    );
    await until(() => ticks.length === 4, "four trades");
    expect(ticks).toEqual([
      { symbol: "BTC-USD", price: "64000.00", quantity: "0.02", time: T0 + 3_100 },
      { symbol: "BTC-USD", price: "64000.50", quantity: "0.01", time: T0 + 5_200 },
      { symbol: "BTC-USD", price: "64001.00", quantity: "0.5", time: T0 + 30_000 },
      { symbol: "BTC-USD", price: "63990.00", quantity: "0.25", time: T0 + 70_500 },
    ]);
    // 64000.00 removed (new_quantity "0"), 64000.25 added, 64000.50 now 0.1 (a new size, not a delta).
    expect(feed.book("BTC-USD", 5)).toMatchObject({
      bids: [
        { price: "64000.25", quantity: "0.7" },
        { price: "63999.50", quantity: "1.2" },
      ],
      asks: [
        { price: "64000.50", quantity: "0.1" },
        { price: "64001.00", quantity: "2.0" },
      ],
    });
    expect(statuses).toEqual(["BTC-USD:fresh", "ETH-USD:fresh"]);
  });

  it("builds the same one-minute candle from the trades as Coinbase's own candles endpoint gives for that minute", async () => {
    // From the trades: open 64000.00, high 64001.00, low 64000.00, close 64001.00, volume 0.02 + 0.01 + 0.5 = 0.53.
    const builder = new CandleBuilder("1m");
    const closed: Candle[] = [];
    for (const tick of ticks) closed.push(...builder.apply(tick).closed);
    // Coinbase answers newest first, with its own trimming of zeros.
    server.route("/api/v3/brokerage/market/products/BTC-USD/candles", () => ({
      body: {
        candles: [
          { start: "1772366460", low: "63990", high: "63990", open: "63990", close: "63990", volume: "0.25" },
          { start: "1772366400", low: "64000", high: "64001", open: "64000", close: "64001", volume: "0.53" },
        ],
      },
    }));
    const venue = await feed.history("BTC-USD", T0, T0 + 120_000);
    expect(server.requests.at(-1)).toBe(
      "/api/v3/brokerage/market/products/BTC-USD/candles?start=1772366400&end=1772366519&granularity=ONE_MINUTE&limit=350",
    );
    expect(venue.map((c) => c.time)).toEqual([T0, T0 + 60_000]);
    const same = (a: Candle, b: Candle) =>
      (["open", "high", "low", "close", "volume"] as const).every((k) => new Decimal(a[k]).equals(b[k]));
    expect(closed).toHaveLength(1);
    expect(same(closed[0] as Candle, venue[0] as Candle)).toBe(true);
    expect(same(builder.current as Candle, venue[1] as Candle)).toBe(true);
  });

  it("pages a week of candles 350 at a time", async () => {
    const before = server.requests.length;
    server.route("/api/v3/brokerage/market/products/ETH-USD/candles", () => ({ body: { candles: [] } }));
    await feed.history("ETH-USD", T0, T0 + 7 * 86_400_000);
    // 7 × 1440 = 10080 minutes / 350 = 28.8 → 29 calls
    expect(server.requests.length - before).toBe(29);
  });

  it("skips malformed messages, logging them at most once per 10 s, and goes on", async () => {
    const logged = logs.length;
    server.send(
      "{not json",
      msg("market_trades", [{ type: "update", trades: [trade("105", "BTC-USD", "abc", "1", "2026-03-01T12:01:20Z")] }]),
      msg("market_trades", [
        { type: "update", trades: [trade("106", "BTC-USD", "63995.00", "0.1", "2026-03-01T12:01:30Z")] },
      ]),
    );
    await until(() => ticks.length === 5, "the trade after the malformed ones");
    expect(ticks.at(-1)).toMatchObject({ price: "63995.00", quantity: "0.1" });
    const lines = logs.slice(logged).filter((l) => l.includes("malformed"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("skipped 1 malformed");
  });

  it("a stale period: no message for 10 s makes every market stale; the next heartbeat makes them fresh", async () => {
    statuses.length = 0;
    clock += 9_999;
    feed.checkStale();
    expect(statuses).toEqual([]);
    clock += 1; // 10 s since the last message
    feed.checkStale();
    expect(statuses).toEqual(["BTC-USD:no_data", "ETH-USD:no_data"]);
    server.send(heartbeat());
    await until(() => statuses.length === 4, "fresh again");
    expect(statuses.slice(2)).toEqual(["BTC-USD:fresh", "ETH-USD:fresh"]);
  });

  it("a sequence gap resynchronises on a new connection: stale until the new snapshot, no book meanwhile", async () => {
    statuses.length = 0;
    seq++; // one message lost
    server.send(heartbeat());
    await until(() => server.connections === 2, "a new connection");
    expect(statuses).toEqual(["BTC-USD:resync", "ETH-USD:resync"]);
    expect(feed.book("BTC-USD")).toBeUndefined();
    expect(logs.some((l) => l.includes("sequence gap"))).toBe(true);
    await subscribed(1);
    seq = 0;
    server.send(
      snapshot("BTC-USD", [["63900.00", "1"]], [["63901.00", "1"]]),
      snapshot("ETH-USD", [["3100.00", "1"]], [["3100.50", "1"]]),
    );
    await until(() => statuses.length === 4, "fresh after the snapshots");
    expect(statuses.slice(2)).toEqual(["BTC-USD:fresh", "ETH-USD:fresh"]);
    // The new book only: nothing of the old one survives.
    expect(feed.book("BTC-USD", 5)).toMatchObject({
      bids: [{ price: "63900.00", quantity: "1" }],
      asks: [{ price: "63901.00", quantity: "1" }],
    });
  });

  it("a disconnect in the middle: stale, reconnects by itself, and a repeated trade is not counted twice", async () => {
    statuses.length = 0;
    server.drop();
    await until(() => server.connections === 3, "a reconnection");
    expect(statuses.slice(0, 2)).toEqual(["BTC-USD:disconnected", "ETH-USD:disconnected"]);
    await subscribed(2);
    seq = 0;
    const count = ticks.length;
    server.send(
      snapshot("BTC-USD", [["63950.00", "1"]], [["63951.00", "1"]]),
      snapshot("ETH-USD", [["3150.00", "1"]], [["3150.50", "1"]]),
      // The new connection's snapshot repeats trade 106, seen before the drop.
      msg("market_trades", [
        {
          type: "snapshot",
          trades: [
            trade("107", "BTC-USD", "63960.00", "0.3", "2026-03-01T12:02:05Z"),
            trade("106", "BTC-USD", "63995.00", "0.1", "2026-03-01T12:01:30Z"),
          ],
        },
      ]),
    );
    await until(() => ticks.length === count + 1, "the new trade");
    expect(ticks.at(-1)).toEqual({ symbol: "BTC-USD", price: "63960.00", quantity: "0.3", time: T0 + 125_000 });
    expect(statuses.slice(-2)).toEqual(["BTC-USD:fresh", "ETH-USD:fresh"]);
  });

  it("an out-of-order message (a sequence number that goes back) also resynchronises", async () => {
    statuses.length = 0;
    server.send(heartbeat());
    seq -= 2; // the message before the last one, again
    server.send(heartbeat());
    await until(() => server.connections === 4, "a new connection");
    expect(statuses).toEqual(["BTC-USD:resync", "ETH-USD:resync"]);
    expect(logs.some((l) => l.includes("out-of-order message"))).toBe(true);
  });

  it("backs off with jitter when the venue is unreachable, and says so", async () => {
    const dead = new CoinbaseFeed({
      markets: [{ symbol: "BTC-USD", base: "BTC", quote: "USD" }],
      wsUrl: "ws://127.0.0.1:9", // nothing listens on the discard port
      staleMs: 10_000,
      random: () => 1,
      reconnectBaseMs: 20,
      checkIntervalMs: 0,
    });
    const states: string[] = [];
    dead.start(() => {}, new Map(), {
      connection: (c) => states.push(`${c.state}: ${c.message}`),
      status: (symbol, s) => states.push(`${symbol}:${s.reason}`),
    });
    await until(() => states.some((s) => s.startsWith("unreachable")), "unreachable");
    dead.stop();
    // First attempt failed: 20 ms × 2^0 × (0.5 + 1/2) = 20 ms → "retrying in 1 s" (rounded up).
    expect(states).toContain("BTC-USD:unreachable");
    expect(states.find((s) => s.startsWith("unreachable"))).toMatch(
      /^unreachable: Coinbase is unreachable \(ECONNREFUSED\); retrying in 1 s$/,
    );
  });
});
