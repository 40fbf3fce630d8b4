import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Candle,
  CandleBuilder,
  type CandleInterval,
  Decimal,
  INTERVAL_MS,
  mergeCandles,
  type PriceTick,
} from "../src/index.ts";

const T0 = Date.UTC(2026, 10, 24, 12, 0, 0); // 2026-11-24 12:00:00 UTC, aligned to every interval up to 4h

function build(ticks: readonly PriceTick[], interval: CandleInterval): Candle[] {
  const builder = new CandleBuilder(interval);
  const candles: Candle[] = [];
  for (const tick of ticks) candles.push(...builder.apply(tick).closed);
  if (builder.current) candles.push({ ...builder.current });
  return candles;
}

/** Ticks in time order: prices and quantities as decimal strings on 0.01 / 0.001 grids. */
const ticksArbitrary = fc
  .array(
    fc.record({
      gapMs: fc.integer({ min: 0, max: 400_000 }),
      cents: fc.integer({ min: 1, max: 10_000_000 }),
      lots: fc.integer({ min: 0, max: 100_000 }),
    }),
    { minLength: 1, maxLength: 200 },
  )
  .map((raw) => {
    let time = T0;
    return raw.map(({ gapMs, cents, lots }) => {
      time += gapMs;
      return {
        time,
        price: new Decimal(cents).div(100).toFixed(2),
        quantity: new Decimal(lots).div(1000).toFixed(3),
      };
    });
  });

describe("CandleBuilder", () => {
  it("builds a candle from the ticks of one minute", () => {
    const builder = new CandleBuilder("1m");
    builder.apply({ time: T0 + 1_000, price: "100.00", quantity: "1" });
    builder.apply({ time: T0 + 20_000, price: "101.50", quantity: "0.25" });
    builder.apply({ time: T0 + 40_000, price: "99.75", quantity: "0.5" });
    const { closed, current } = builder.apply({ time: T0 + 59_999, price: "100.25", quantity: "0.125" });
    expect(closed).toEqual([]);
    // volume 1 + 0.25 + 0.5 + 0.125 = 1.875
    expect(current).toEqual({
      time: T0,
      open: "100.00",
      high: "101.50",
      low: "99.75",
      close: "100.25",
      volume: "1.875",
    });
  });

  it("closes the candle when a tick of the next interval arrives, without inventing empty ones", () => {
    const builder = new CandleBuilder("1m");
    builder.apply({ time: T0, price: "10.00", quantity: "1" });
    const { closed, current } = builder.apply({ time: T0 + 5 * 60_000 + 1, price: "11.00", quantity: "2" });
    expect(closed).toEqual([{ time: T0, open: "10.00", high: "10.00", low: "10.00", close: "10.00", volume: "1" }]);
    expect(current.time).toBe(T0 + 5 * 60_000);
  });

  it("ignores a tick older than the forming candle", () => {
    const builder = new CandleBuilder("1m", { time: T0, open: "5", high: "6", low: "4", close: "5.5", volume: "3" });
    const { closed, current } = builder.apply({ time: T0 - 1, price: "100", quantity: "9" });
    expect(closed).toEqual([]);
    expect(current).toEqual({ time: T0, open: "5", high: "6", low: "4", close: "5.5", volume: "3" });
  });

  it("keeps volume exact and high ≥ open, close ≥ low for any ticks", () => {
    fc.assert(
      fc.property(ticksArbitrary, (ticks) => {
        const candles = build(ticks, "1m");
        for (const candle of candles) {
          const inside = ticks.filter((t) => t.time >= candle.time && t.time < candle.time + INTERVAL_MS["1m"]);
          const volume = inside.reduce((sum, t) => sum.plus(t.quantity), new Decimal(0));
          expect(new Decimal(candle.volume).equals(volume)).toBe(true);
          const high = new Decimal(candle.high);
          const low = new Decimal(candle.low);
          expect(high.greaterThanOrEqualTo(candle.open) && high.greaterThanOrEqualTo(candle.close)).toBe(true);
          expect(low.lessThanOrEqualTo(candle.open) && low.lessThanOrEqualTo(candle.close)).toBe(true);
          expect(candle.open).toBe(inside[0]?.price);
          expect(candle.close).toBe(inside.at(-1)?.price);
        }
        const times = candles.map((c) => c.time);
        expect(times.every((t, i) => i === 0 || t > (times[i - 1] ?? 0))).toBe(true);
      }),
    );
  });

  it.each(["5m", "15m", "1h", "4h"] as const)("candles of %s equal the merge of their 1m candles", (interval) => {
    fc.assert(
      fc.property(ticksArbitrary, (ticks) => {
        expect(build(ticks, interval)).toEqual(mergeCandles(build(ticks, "1m"), interval));
      }),
    );
  });
});

describe("mergeCandles", () => {
  it("merges by hand", () => {
    const minutes: Candle[] = [
      { time: T0, open: "10", high: "12", low: "9", close: "11", volume: "1.5" },
      { time: T0 + 60_000, open: "11", high: "15", low: "10", close: "14", volume: "2.25" },
      { time: T0 + 5 * 60_000, open: "14", high: "14", low: "13", close: "13.5", volume: "1" },
    ];
    expect(mergeCandles(minutes, "5m")).toEqual([
      // open of the first, max high 15, min low 9, close of the last, volume 1.5 + 2.25 = 3.75
      { time: T0, open: "10", high: "15", low: "9", close: "14", volume: "3.75" },
      { time: T0 + 5 * 60_000, open: "14", high: "14", low: "13", close: "13.5", volume: "1" },
    ]);
  });

  it("is empty for no candles", () => expect(mergeCandles([], "1h")).toEqual([]));
});
