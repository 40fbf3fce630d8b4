import { DEFAULT_MARKETS } from "@tradeboard/core";
import { type Database, listCandles } from "@tradeboard/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KrakenFeed } from "../src/market/kraken.ts";
import { MarketService } from "../src/services/markets.ts";
import { openTestDatabase } from "./helpers/database.ts";
import { VenueServer } from "./helpers/venue-server.ts";

const MINUTE = 60_000;
const NOW = Date.UTC(2026, 2, 8, 12, 0, 30); // 2026-03-08T12:00:30Z

describe("a week of Kraken history when Kraken keeps only 720 entries of each interval", () => {
  let venue: VenueServer;
  let database: Database;
  let markets: MarketService;

  beforeAll(async () => {
    venue = await VenueServer.start();
    // Kraken's OHLC: the latest 720 committed entries of the interval whatever `since` says, then the current one.
    // Closes: 1m → 46000.0, coarser → 45000.0, so the test can tell where a stored candle came from.
    venue.route("/0/public/OHLC", (url) => {
      const minutes = Number(url.searchParams.get("interval"));
      const step = minutes * MINUTE;
      const current = Math.floor(NOW / step) * step;
      const since = Number(url.searchParams.get("since")) * 1000;
      const close = minutes === 1 ? "46000.0" : "45000.0";
      const rows = [];
      for (let t = Math.max(current - 720 * step, since + step); t <= current; t += step) {
        rows.push([t / 1000, close, close, close, close, close, (0.1 * minutes).toFixed(8), 5]);
      }
      return { body: { error: [], result: { XXBTZUSD: rows, last: (current - step) / 1000 } } };
    });
    database = await openTestDatabase("pglite");
    markets = new MarketService({
      db: database.db,
      feed: new KrakenFeed({
        markets: [{ symbol: "BTC-USD", base: "BTC", quote: "USD" }],
        wsUrl: venue.wsUrl,
        restUrl: venue.restUrl,
        staleMs: 10_000,
        now: () => NOW,
        restIntervalMs: 0,
        checkIntervalMs: 0,
      }),
      specs: DEFAULT_MARKETS.filter((m) => m.symbol === "BTC-USD"),
      seed: "kraken-history",
      backfillDays: 7,
      now: () => NOW,
    });
    await markets.init();
    markets.start();
    await markets.repaired();
  });
  afterAll(async () => {
    await markets?.stop();
    await venue?.close();
    await database?.close();
  });

  const stored = (interval: string) => listCandles(database.db, { symbol: "BTC-USD", interval, from: 0, limit: 5000 });

  it("stores Kraken's 720 one-minute candles and its coarser candles for the rest of the week", async () => {
    // The window: 2026-03-01T00:00 to 12:00 on the 8th. One-minute: only 00:00–11:59 of the 8th = 720.
    const minutes = await stored("1m");
    expect(minutes.length).toBe(720);
    expect(minutes[0]?.time).toBe(Date.UTC(2026, 2, 8, 0, 0));
    // 15m: 7.5 days × 96 = 720, all closed by 12:00. Before the 8th they are Kraken's own (close 45000),
    // from the 8th on they are merged from its minutes (close 46000, volume 15 × 0.1 = 1.5).
    const quarters = await stored("15m");
    expect(quarters.length).toBe(720);
    expect(quarters[0]?.time).toBe(Date.UTC(2026, 2, 1));
    const onThe2nd = quarters.find((c) => c.time === Date.UTC(2026, 2, 2, 10, 15));
    expect([Number(onThe2nd?.close), Number(onThe2nd?.volume)]).toEqual([45000, 1.5]);
    const onThe8th = quarters.find((c) => c.time === Date.UTC(2026, 2, 8, 10, 15));
    expect([Number(onThe8th?.close), Number(onThe8th?.volume)]).toEqual([46000, 1.5]);
    // 1d: the seven closed days 1st–7th from Kraken (close 45000); the 8th is still forming.
    const days = await stored("1d");
    expect(days.map((c) => [new Date(c.time).getUTCDate(), Number(c.close)])).toEqual(
      [1, 2, 3, 4, 5, 6, 7].map((d) => [d, 45000]),
    );
    // 5m reaches back 720 × 5 min = 2.5 days before 12:00 on the 8th: from 00:00 on the 6th.
    const fives = await stored("5m");
    expect(fives[0]?.time).toBe(Date.UTC(2026, 2, 6, 0, 0));
  });
});
