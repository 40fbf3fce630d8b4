import { type Candle, CandleBuilder, Decimal, type Tick } from "@tradeboard/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BinanceFeed } from "../src/market/binance.ts";
import { venueMarkets } from "../src/market/symbols.ts";
import { type Answer, held, until, VenueServer } from "./helpers/venue-server.ts";

// Binance spot combined streams wrap every event as {"stream": "<name>", "data": <event>}.
const T0 = Date.UTC(2026, 2, 1, 12, 0, 0); // 1772366400000 ms
const trade = (t: number, p: string, q: string, time: number) => ({
  stream: "btcusdt@trade",
  data: { e: "trade", E: time + 1, s: "BTCUSDT", t, p, q, T: time, m: true, M: true },
});
const depth = (U: number, u: number, b: [string, string][], a: [string, string][]) => ({
  stream: "btcusdt@depth@100ms",
  data: { e: "depthUpdate", E: T0, s: "BTCUSDT", U, u, b, a },
});
const bookTicker = (u: number) => ({
  stream: "btcusdt@bookTicker",
  data: { u, s: "BTCUSDT", b: "64000.00000000", B: "1.00000000", a: "64000.10000000", A: "2.00000000" },
});

describe("Binance spot adapter against a local replay of its documented streams", () => {
  let server: VenueServer;
  let feed: BinanceFeed;
  let clock = T0;
  let snapshot = held();
  const ticks: Tick[] = [];
  const statuses: string[] = [];
  const gaps: [string, number][] = [];
  const logs: string[] = [];
  const depthRequests = () => server.requests.filter((r) => r.startsWith("/api/v3/depth")).length;

  beforeAll(async () => {
    server = await VenueServer.start();
    server.route("/api/v3/depth", () => snapshot.promise);
    feed = new BinanceFeed({
      // BTC-USD maps to Binance's BTCUSDT book by default: Binance quotes dollars in USDT.
      markets: venueMarkets("binance", [{ symbol: "BTC-USD", base: "BTC", quote: "USD" } as never]),
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
      gap: (symbol, since) => gaps.push([symbol, since]),
    });
  });
  afterAll(async () => {
    feed?.stop();
    await server?.close();
  });

  it("opens one combined stream naming trade, bookTicker and depth streams, and maps BTC-USD to BTCUSDT", async () => {
    await until(() => server.connections === 1 && depthRequests() === 1, "the connection and the snapshot request");
    expect(server.connectionUrls[0]).toBe("/stream?streams=btcusdt@trade/btcusdt@bookTicker/btcusdt@depth@100ms");
    expect(server.requests[0]).toBe("/api/v3/depth?symbol=BTCUSDT&limit=1000");
    expect(feed.venueMarket("BTC-USD")).toEqual({ venueSymbol: "BTCUSDT", quote: "USDT" });
  });

  it("answers Binance's pings with pongs", async () => {
    await server.ping();
  });

  it("renews its connection before Binance's 24-hour limit", async () => {
    const venue = await VenueServer.start();
    venue.route("/api/v3/depth", () => ({ body: { lastUpdateId: 1, bids: [], asks: [] } }));
    const logged: string[] = [];
    const renewing = new BinanceFeed({
      markets: [{ symbol: "BTC-USD", base: "BTC", quote: "USDT" }],
      wsUrl: venue.wsUrl,
      restUrl: venue.restUrl,
      staleMs: 10_000,
      random: () => 0,
      reconnectBaseMs: 10,
      restIntervalMs: 0,
      checkIntervalMs: 0,
      maxConnectionMs: 50, // instead of 23 h 50 min
      log: (_level, message) => logged.push(message),
    });
    renewing.start(() => {}, new Map(), {});
    await until(() => venue.connections >= 2, "a second connection");
    renewing.stop();
    await venue.close();
    expect(logged).toContain("Binance: renewing the connection before the venue's limit");
  });

  it("follows the documented procedure: buffer, snapshot, drop u ≤ lastUpdateId, apply from there", async () => {
    server.send(
      depth(157, 160, [["63999.00", "5.0"]], []), // entirely before the snapshot: dropped
      depth(161, 165, [["64000.00", "1.5"]], [["64000.10", "0.0"]]), // straddles lastUpdateId 162: applied
      trade(1001, "64000.01000000", "0.01000000", T0 + 1_000),
    );
    await until(() => ticks.length === 1, "the first trade");
    expect(feed.status("BTC-USD")).toEqual({ stale: true, reason: "connecting" }); // no book yet
    snapshot.release({
      body: {
        lastUpdateId: 162,
        bids: [
          ["64000.00", "1.0"],
          ["63998.00", "3.0"],
        ],
        asks: [
          ["64000.10", "2.0"],
          ["64001.00", "1.0"],
        ],
      },
    });
    await until(() => statuses.includes("BTC-USD:fresh"), "fresh after the snapshot");
    // Snapshot, then event 161–165: bid 64000.00 → 1.5, ask 64000.10 removed (quantity 0); 63999.00 from event 157–160 never applied.
    expect(feed.book("BTC-USD")).toMatchObject({
      bids: [
        { price: "64000.00", quantity: "1.5" },
        { price: "63998.00", quantity: "3.0" },
      ],
      asks: [{ price: "64001.00", quantity: "1.0" }],
    });
  });

  it("applies updates in order, ignores an old depth event and a repeated or older trade id", async () => {
    server.send(
      depth(166, 168, [], [["64000.50", "0.4"]]),
      depth(160, 164, [["64000.00", "9.9"]], []), // out of order: u 164 ≤ 168, already contained
      trade(1002, "64010.00000000", "0.02000000", T0 + 20_000),
      trade(1001, "64000.01000000", "0.01000000", T0 + 1_000), // repeated
      trade(1003, "64020.00000000", "0.00500000", T0 + 59_999),
      bookTicker(169),
    );
    await until(() => ticks.length === 3, "two more trades");
    expect(ticks.map((t) => [t.price, t.quantity, t.time - T0])).toEqual([
      ["64000.01000000", "0.01000000", 1_000],
      ["64010.00000000", "0.02000000", 20_000],
      ["64020.00000000", "0.00500000", 59_999],
    ]);
    expect(feed.book("BTC-USD")?.asks[0]).toEqual({ price: "64000.50", quantity: "0.4" });
    expect(feed.book("BTC-USD")?.bids[0]).toEqual({ price: "64000.00", quantity: "1.5" });
  });

  it("builds the minute's candle from the trades as Binance's klines give it", async () => {
    // open 64000.01, high 64020, low 64000.01, close 64020, volume 0.01 + 0.02 + 0.005 = 0.035
    const builder = new CandleBuilder("1m");
    for (const tick of ticks) builder.apply(tick);
    server.route("/api/v3/klines", () => ({
      body: [
        [
          T0,
          "64000.01000000",
          "64020.00000000",
          "64000.01000000",
          "64020.00000000",
          "0.03500000",
          T0 + 59_999,
          "2240.40050000",
          3,
          "0.01",
          "640.0",
          "0",
        ],
      ],
    }));
    const [venue] = await feed.history("BTC-USD", T0, T0 + 60_000);
    expect(server.requests.at(-1)).toBe(
      `/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=${T0}&endTime=${T0 + 59_999}&limit=1000`,
    );
    const built = builder.current as Candle;
    for (const key of ["open", "high", "low", "close", "volume"] as const) {
      expect(new Decimal(built[key]).equals((venue as Candle)[key])).toBe(true);
    }
  });

  it("a gap in the depth updates (U beyond the last u + 1) refetches the snapshot, stale meanwhile", async () => {
    statuses.length = 0;
    snapshot = held();
    server.send(depth(175, 180, [["1", "1"]], [])); // 169–174 lost
    await until(() => depthRequests() === 2, "a new snapshot request");
    expect(statuses).toEqual(["BTC-USD:resync"]);
    expect(feed.book("BTC-USD")).toBeUndefined();
    server.send(depth(181, 183, [["64001.00", "0.7"]], []), bookTicker(184));
    // A snapshot older than the first buffered event is asked again.
    snapshot.release({ body: { lastUpdateId: 170, bids: [], asks: [] } });
    const again = held();
    snapshot = again;
    await until(() => depthRequests() === 3, "the snapshot asked again");
    expect(feed.status("BTC-USD")).toEqual({ stale: true, reason: "resync" });
    again.release({ body: { lastUpdateId: 182, bids: [["64000.90", "1.0"]], asks: [["64001.10", "1.0"]] } });
    await until(() => statuses.includes("BTC-USD:fresh"), "fresh again");
    // 181–183 straddles 182: its bid 64001.00 applies.
    expect(feed.book("BTC-USD")).toMatchObject({
      bids: [
        { price: "64001.00", quantity: "0.7" },
        { price: "64000.90", quantity: "1.0" },
      ],
      asks: [{ price: "64001.10", quantity: "1.0" }],
    });
  });

  it("skips malformed messages (logged once per 10 s) and keeps going", async () => {
    const logged = logs.length;
    server.send(
      "[1,2",
      { stream: "btcusdt@trade", data: { e: "trade", t: 1004, p: "NaN", q: "1", T: T0 } },
      { stream: "btcusdt@depth@100ms", data: { e: "depthUpdate", U: 185, u: 184, b: [], a: [] } },
      trade(1005, "64030.00000000", "0.10000000", T0 + 61_000),
    );
    await until(() => ticks.length === 4, "the trade after");
    expect(logs.slice(logged).filter((l) => l.includes("malformed"))).toHaveLength(1);
  });

  it("a stale period: 10 s without a message is stale, the next message makes it fresh", async () => {
    statuses.length = 0;
    clock += 10_000;
    feed.checkStale();
    expect(statuses).toEqual(["BTC-USD:no_data"]);
    server.send(bookTicker(190));
    await until(() => statuses.length === 2, "fresh");
    expect(statuses[1]).toBe("BTC-USD:fresh");
  });

  it("a disconnect: stale, reconnects with a new snapshot, and no trade is counted twice", async () => {
    statuses.length = 0;
    snapshot = held();
    server.drop();
    await until(() => server.connections === 2 && depthRequests() === 4, "reconnected and a new snapshot request");
    expect(statuses[0]).toBe("BTC-USD:disconnected");
    server.send(trade(1005, "64030.00000000", "0.10000000", T0 + 61_000), depth(300, 301, [], []));
    const answer: Answer = { body: { lastUpdateId: 300, bids: [["64100.00", "1"]], asks: [["64100.50", "1"]] } };
    snapshot.release(answer);
    await until(() => statuses.includes("BTC-USD:fresh"), "fresh");
    expect(ticks).toHaveLength(4);
    expect(feed.book("BTC-USD")?.bids).toEqual([{ price: "64100.00", quantity: "1" }]);
  });

  it("a jump in the trade ids on a live connection reports the trades missed since the last one seen", async () => {
    gaps.length = 0;
    server.send(
      trade(1006, "64031.00000000", "0.10000000", T0 + 62_000), // the next id: nothing missed
      trade(1009, "64032.00000000", "0.10000000", T0 + 65_000), // 1007 and 1008 never came
    );
    await until(() => ticks.length === 6, "both trades");
    expect(gaps).toEqual([["BTC-USD", T0 + 62_000]]);
    expect(ticks.at(-1)?.price, "the trade itself still counts").toBe("64032.00000000");
    expect(logs.at(-1)).toContain("trade id 1009 after 1006");
  });
});
