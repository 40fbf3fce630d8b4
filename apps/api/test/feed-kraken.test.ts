import { crc32 } from "node:zlib";
import { type Candle, CandleBuilder, Decimal, type Tick } from "@tradeboard/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KrakenFeed, parseKeepingNumbers } from "../src/market/kraken.ts";
import { until, VenueServer } from "./helpers/venue-server.ts";

// Kraken WebSocket v2 sends prices and quantities as JSON numbers with their full precision,
// so these fixtures are written as raw text: 0.10000000 must reach the adapter with its zeros.
const T0 = Date.UTC(2026, 2, 1, 12, 0, 0); // 1772366400 s

// The checksum string by hand, per Kraken's rules (remove ".", then leading zeros; asks low to high, then bids high to low):
//   asks 45285.2 × 0.00100000 → "452852" + "100000";  45286.4 × 1.54571953 → "452864" + "154571953"
//   bids 45283.5 × 0.10000000 → "452835" + "10000000"; 45283.4 × 1.54582015 → "452834" + "154582015"
const SNAPSHOT_STRING = "452852100000" + "452864154571953" + "45283510000000" + "452834154582015";
// After the update (bid 45283.5 removed, bid 45283.6 × 0.50000000 added):
//   asks unchanged; bids 45283.6 → "452836" + "50000000", then 45283.4 → "452834" + "154582015"
const UPDATE_STRING = "452852100000" + "452864154571953" + "45283650000000" + "452834154582015";

const snapshotText = (checksum: number) =>
  `{"channel":"book","type":"snapshot","data":[{"symbol":"BTC/USD","bids":[{"price":45283.5,"qty":0.10000000},{"price":45283.4,"qty":1.54582015}],"asks":[{"price":45285.2,"qty":0.00100000},{"price":45286.4,"qty":1.54571953}],"checksum":${checksum}}]}`;
const updateText = (checksum: number, timestamp: string) =>
  `{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[{"price":45283.5,"qty":0.00000000},{"price":45283.6,"qty":0.50000000}],"asks":[],"checksum":${checksum},"timestamp":"${timestamp}"}]}`;
const tradeText = (id: number, price: string, qty: string, timestamp: string) =>
  `{"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","side":"buy","price":${price},"qty":${qty},"ord_type":"market","trade_id":${id},"timestamp":"${timestamp}"}]}`;
const heartbeat = '{"channel":"heartbeat"}';

/** The adapter on the local replay, on the test's clock, with no timers of its own but the ones a test asks for. */
function krakenFeed(server: VenueServer, now: () => number, logs: string[], extra: { pingIntervalMs?: number } = {}) {
  return new KrakenFeed({
    markets: [{ symbol: "BTC-USD", base: "BTC", quote: "USD" }],
    wsUrl: server.wsUrl,
    restUrl: server.restUrl,
    staleMs: 10_000,
    now,
    random: () => 0,
    reconnectBaseMs: 10,
    restIntervalMs: 0,
    checkIntervalMs: 0,
    log: (_level, message) => logs.push(message),
    ...extra,
  });
}

describe("Kraken WebSocket v2 adapter against a local replay of its documented messages", () => {
  let server: VenueServer;
  let feed: KrakenFeed;
  let clock = T0;
  const ticks: Tick[] = [];
  const gaps: [string, number][] = [];
  const statuses: string[] = [];
  const logs: string[] = [];
  const bookSubscriptions = () =>
    server.received.filter(
      (r) =>
        (r.message as { method?: string; params?: { channel?: string } }).method === "subscribe" &&
        (r.message as { params: { channel: string } }).params.channel === "book",
    ).length;

  beforeAll(async () => {
    server = await VenueServer.start();
    feed = krakenFeed(server, () => clock, logs);
    feed.start((tick) => ticks.push(tick), new Map(), {
      status: (symbol, s) => statuses.push(`${symbol}:${s.stale ? s.reason : "fresh"}`),
      gap: (symbol, since) => gaps.push([symbol, since]),
    });
  });
  afterAll(async () => {
    feed?.stop();
    await server?.close();
  });

  it("keeps every number's text when parsing, digits inside strings untouched", () => {
    expect(parseKeepingNumbers('{"a":0.10000000,"b":"1.50","c":[1e-8,-2],"d":true}')).toEqual({
      a: "0.10000000",
      b: "1.50",
      c: ["1e-8", "-2"],
      d: true,
    });
  });

  it("subscribes to trade, ticker and book (depth 10, with a snapshot) by the v2 names", async () => {
    await until(() => server.received.length === 3, "three subscriptions");
    expect(server.received.map((r) => (r.message as { params: unknown }).params)).toEqual([
      { channel: "trade", symbol: ["BTC/USD"], snapshot: false },
      { channel: "ticker", symbol: ["BTC/USD"] },
      { channel: "book", symbol: ["BTC/USD"], depth: 10, snapshot: true },
    ]);
  });

  it("a normal session: the snapshot's checksum holds, updates apply, trades keep their precision", async () => {
    server.send(
      '{"method":"subscribe","result":{"channel":"book","depth":10,"snapshot":true,"symbol":"BTC/USD"},"success":true,"time_in":"2026-03-01T12:00:00.000000Z","time_out":"2026-03-01T12:00:00.000100Z"}',
      '{"channel":"status","type":"update","data":[{"api_version":"v2","connection_id":12393906104898154338,"system":"online","version":"2.0.0"}]}',
      snapshotText(crc32(SNAPSHOT_STRING)),
      updateText(crc32(UPDATE_STRING), "2026-03-01T12:00:01.000000Z"),
      tradeText(401, "45284.10", "0.00500000", "2026-03-01T12:00:02.123456Z"),
      tradeText(402, "45283.60", "0.10000000", "2026-03-01T12:00:40.000000Z"),
      tradeText(401, "45284.10", "0.00500000", "2026-03-01T12:00:02.123456Z"), // repeated: dropped
      '{"channel":"ticker","type":"update","data":[{"symbol":"BTC/USD","bid":45283.6,"bid_qty":0.5,"ask":45285.2,"ask_qty":0.001,"last":45283.6,"volume":1234.5,"vwap":45000.1,"low":44000.0,"high":46000.0,"change":100.0,"change_pct":0.22}]}',
      heartbeat,
    );
    await until(() => ticks.length === 2, "two trades");
    expect(ticks).toEqual([
      { symbol: "BTC-USD", price: "45284.10", quantity: "0.00500000", time: T0 + 2_123 },
      { symbol: "BTC-USD", price: "45283.60", quantity: "0.10000000", time: T0 + 40_000 },
    ]);
    expect(feed.book("BTC-USD")).toMatchObject({
      bids: [
        { price: "45283.6", quantity: "0.50000000" },
        { price: "45283.4", quantity: "1.54582015" },
      ],
      asks: [
        { price: "45285.2", quantity: "0.00100000" },
        { price: "45286.4", quantity: "1.54571953" },
      ],
    });
    expect(statuses).toEqual(["BTC-USD:fresh"]);
  });

  it("builds the minute's candle from the trades as Kraken's OHLC gives it", async () => {
    // open 45284.10, high 45284.10, low 45283.60, close 45283.60, volume 0.005 + 0.1 = 0.105
    const builder = new CandleBuilder("1m");
    for (const tick of ticks) builder.apply(tick);
    // The last entry is the current, uncommitted minute: never stored. `since` is exclusive.
    const current = [1772366460, "45283.6", "45283.6", "45283.6", "45283.6", "0.0", "0.00000000", 0];
    const committed = [1772366400, "45284.1", "45284.1", "45283.6", "45283.6", "45283.6", "0.10500000", 2];
    server.route("/0/public/OHLC", (url) => ({
      body: {
        error: [],
        result: {
          XXBTZUSD: Number(url.searchParams.get("since")) < 1772366400 ? [committed, current] : [current],
          last: 1772366400,
        },
      },
    }));
    const before = server.requests.length;
    const venue = await feed.history("BTC-USD", T0, T0 + 120_000);
    // One page from a minute before `from`, then one from `last` that brings nothing new.
    expect(server.requests.slice(before)).toEqual([
      "/0/public/OHLC?pair=XBTUSD&interval=1&since=1772366340",
      "/0/public/OHLC?pair=XBTUSD&interval=1&since=1772366400",
    ]);
    expect(venue.map((c) => c.time)).toEqual([T0]);
    const built = builder.current as Candle;
    for (const key of ["open", "high", "low", "close", "volume"] as const) {
      expect(new Decimal(built[key]).equals((venue[0] as Candle)[key])).toBe(true);
    }
  });

  it("a bad checksum resubscribes the book: stale until the new snapshot checks out", async () => {
    statuses.length = 0;
    server.send(updateText(12345, "2026-03-01T12:00:03.000000Z"));
    await until(() => bookSubscriptions() === 2, "a new book subscription");
    expect(statuses).toEqual(["BTC-USD:resync"]);
    expect(feed.book("BTC-USD")).toBeUndefined();
    const unsubscribe = server.received.at(-2)?.message;
    expect(unsubscribe).toMatchObject({ method: "unsubscribe", params: { channel: "book", symbol: ["BTC/USD"] } });
    // A heartbeat does not end a resync.
    server.send(heartbeat, snapshotText(crc32(SNAPSHOT_STRING)));
    await until(() => statuses.length === 2, "fresh");
    expect(statuses[1]).toBe("BTC-USD:fresh");
    expect(feed.book("BTC-USD")?.bids[0]).toEqual({ price: "45283.5", quantity: "0.10000000" });
  });

  it("an update older than the last one also resynchronises", async () => {
    statuses.length = 0;
    server.send(
      updateText(crc32(UPDATE_STRING), "2026-03-01T12:00:05.000000Z"),
      updateText(crc32(UPDATE_STRING), "2026-03-01T12:00:04.000000Z"),
    );
    await until(() => bookSubscriptions() === 3, "a new book subscription");
    expect(statuses).toEqual(["BTC-USD:resync"]);
    server.send(snapshotText(crc32(SNAPSHOT_STRING)));
    await until(() => statuses.length === 2, "fresh");
  });

  it("skips malformed messages and keeps going", async () => {
    const logged = logs.length;
    server.send(
      "garbage",
      '{"channel":"trade","type":"update","data":{"symbol":"BTC/USD"}}',
      '{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[{"price":"x","qty":1}],"asks":[],"checksum":1,"timestamp":"2026-03-01T12:00:06Z"}]}',
      tradeText(403, "45290.00", "0.20000000", "2026-03-01T12:01:05Z"),
    );
    await until(() => ticks.length === 3, "the trade after");
    expect(logs.slice(logged).filter((l) => l.includes("malformed"))).toHaveLength(1);
  });

  it("a stale period ends with the next heartbeat", async () => {
    statuses.length = 0;
    clock += 10_000;
    feed.checkStale();
    expect(statuses).toEqual(["BTC-USD:no_data"]);
    server.send(heartbeat);
    await until(() => statuses.length === 2, "fresh");
    expect(statuses[1]).toBe("BTC-USD:fresh");
  });

  it("a disconnect: reconnects, subscribes again, fresh on the new snapshot", async () => {
    statuses.length = 0;
    server.drop();
    await until(() => server.connections === 2 && bookSubscriptions() === 4, "reconnected and subscribed");
    expect(statuses).toEqual(["BTC-USD:disconnected"]);
    server.send(heartbeat);
    server.send(snapshotText(crc32(SNAPSHOT_STRING)));
    await until(() => statuses.length === 2, "fresh");
    expect(statuses[1]).toBe("BTC-USD:fresh");
  });

  it("a jump in the trade ids on a live connection reports the trades missed since the last one seen", async () => {
    gaps.length = 0;
    const seen = ticks.length;
    server.send(
      tradeText(404, "45291.00", "0.10000000", "2026-03-01T12:01:10Z"), // the next id: nothing missed
      tradeText(407, "45292.00", "0.10000000", "2026-03-01T12:01:20Z"), // 405 and 406 never came
    );
    await until(() => ticks.length === seen + 2, "both trades");
    expect(gaps).toEqual([["BTC-USD", Date.UTC(2026, 2, 1, 12, 1, 10)]]);
    expect(logs.at(-1)).toContain("trade id 407 after 404");
  });
});

describe("Kraken's keep-alive rules", () => {
  let server: VenueServer;
  let feed: KrakenFeed;
  let clock = T0;
  const logs: string[] = [];

  beforeAll(async () => {
    server = await VenueServer.start();
    // Kraken's ping interval is 30 s; a short one here so the test sees several.
    feed = krakenFeed(server, () => clock, logs, { pingIntervalMs: 20 });
    feed.start(() => {}, new Map(), {});
  });
  afterAll(async () => {
    feed?.stop();
    await server?.close();
  });

  const pings = () =>
    server.received.filter((r) => (r.message as { method?: string }).method === "ping").map((r) => r.message);

  it("sends v2 pings with increasing request ids while connected", async () => {
    await until(() => pings().length >= 2, "two pings");
    const [first, second] = pings() as { method: string; req_id: number }[];
    expect(first).toEqual({ method: "ping", req_id: expect.any(Number) });
    expect(second?.req_id).toBeGreaterThan(first?.req_id ?? Number.POSITIVE_INFINITY);
  });

  it("drops a connection silent for three times the stale limit and opens a new one", async () => {
    expect(server.connections).toBe(1);
    clock += 29_000;
    feed.checkStale();
    expect(server.connections, "not yet: 30 s at least").toBe(1);
    clock += 1_000;
    feed.checkStale();
    await until(() => server.connections === 2, "a new connection");
    expect(logs.some((l) => l.includes("no message for 30 s; reconnecting"))).toBe(true);
  });
});
