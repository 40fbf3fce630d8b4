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

/**
 * Ticks in time order: bursts within a minute, same-millisecond trades and
 * gaps of up to a few hours; prices on a 0.01 grid (sometimes written with
 * extra zeros, "12.3400"), quantities on a 0.001 grid.
 */
const ticksArbitrary = fc
  .array(
    fc.record({
      gapMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 0, max: 4 * 3_600_000 })),
      cents: fc.integer({ min: 1, max: 10_000_000 }),
      padded: fc.boolean(),
      lots: fc.integer({ min: 0, max: 100_000 }),
    }),
    { minLength: 1, maxLength: 200 },
  )
  .map((raw) => {
    let time = T0;
    return raw.map(({ gapMs, cents, padded, lots }) => {
      time += gapMs;
      return {
        time,
        price: new Decimal(cents).div(100).toFixed(padded ? 4 : 2),
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

  it("builds 5-minute candles by hand", () => {
    const builder = new CandleBuilder("5m");
    const closed: Candle[] = [];
    for (const tick of [
      { time: T0 + 10_000, price: "20.00", quantity: "0.5" }, // 12:00:10 opens 12:00
      { time: T0 + 4 * 60_000, price: "21.00", quantity: "0.25" }, // 12:04 same candle
      { time: T0 + 5 * 60_000 - 1, price: "19.50", quantity: "1" }, // 12:04:59.999 still 12:00
      { time: T0 + 5 * 60_000, price: "19.75", quantity: "2" }, // 12:05 closes 12:00, opens 12:05
      { time: T0 + 9 * 60_000 + 30_000, price: "19.80", quantity: "0.001" }, // 12:09:30 same
    ])
      closed.push(...builder.apply(tick).closed);
    // 12:00: open 20, high 21, low 19.50, close 19.50, volume 0.5 + 0.25 + 1 = 1.75
    expect(closed).toEqual([{ time: T0, open: "20.00", high: "21.00", low: "19.50", close: "19.50", volume: "1.75" }]);
    // 12:05: open 19.75, high 19.80, low 19.75, close 19.80, volume 2 + 0.001 = 2.001
    expect(builder.current).toEqual({
      time: T0 + 5 * 60_000,
      open: "19.75",
      high: "19.80",
      low: "19.75",
      close: "19.80",
      volume: "2.001",
    });
  });

  it("hands out snapshots: a candle received earlier does not change with later ticks", () => {
    const builder = new CandleBuilder("1m");
    const first = builder.apply({ time: T0, price: "10.00", quantity: "1" }).current;
    const second = builder.apply({ time: T0 + 1_000, price: "12.00", quantity: "2" }).current;
    expect(first).toEqual({ time: T0, open: "10.00", high: "10.00", low: "10.00", close: "10.00", volume: "1" });
    // 1 + 2 = 3
    expect(second).toEqual({ time: T0, open: "10.00", high: "12.00", low: "10.00", close: "12.00", volume: "3" });
  });

  it("continues a forming candle it is given, such as the last one stored before a restart", () => {
    const stored: Candle = { time: T0, open: "5.00", high: "6.00", low: "4.00", close: "5.50", volume: "3" };
    const builder = new CandleBuilder("1m", stored);
    const { closed, current } = builder.apply({ time: T0 + 30_000, price: "6.50", quantity: "0.5" });
    expect(closed).toEqual([]);
    // high 6.50 > 6.00, volume 3 + 0.5 = 3.5
    expect(current).toEqual({ time: T0, open: "5.00", high: "6.50", low: "4.00", close: "6.50", volume: "3.5" });
    expect(stored.high).toBe("6.00"); // the caller's object is not touched
  });

  it("counts a late tick inside the forming candle, as its close", () => {
    const builder = new CandleBuilder("1m");
    builder.apply({ time: T0 + 50_000, price: "10.00", quantity: "1" });
    const { current } = builder.apply({ time: T0 + 10_000, price: "9.00", quantity: "1" });
    // same minute: accepted even though it is older than the previous tick; volume 1 + 1 = 2
    expect(current).toEqual({ time: T0, open: "10.00", high: "10.00", low: "9.00", close: "9.00", volume: "2" });
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
          expect(candle.volume).toBe(volume.toFixed());
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

  it("closes at most one candle per tick, in strictly increasing time, for any ticks", () => {
    fc.assert(
      fc.property(ticksArbitrary, fc.constantFrom("1m", "5m", "1h"), (ticks, interval) => {
        const builder = new CandleBuilder(interval);
        const closed: Candle[] = [];
        for (const tick of ticks) {
          const result = builder.apply(tick);
          expect(result.closed.length).toBeLessThanOrEqual(1);
          closed.push(...result.closed);
          expect(result.current.time).toBe(Math.floor(tick.time / INTERVAL_MS[interval]) * INTERVAL_MS[interval]);
        }
        const times = [...closed, builder.current].map((c) => c?.time ?? Number.NaN);
        for (let i = 1; i < times.length; i++)
          expect(times[i]).toBeGreaterThan(times[i - 1] ?? Number.POSITIVE_INFINITY);
      }),
    );
  });

  it("drops out-of-order ticks older than the forming candle and never reopens a closed one", () => {
    const shuffled = ticksArbitrary.chain((ticks) =>
      fc.shuffledSubarray(ticks, { minLength: ticks.length, maxLength: ticks.length }),
    );
    fc.assert(
      fc.property(shuffled, (ticks) => {
        const builder = new CandleBuilder("1m");
        const closed: Candle[] = [];
        const accepted: PriceTick[] = [];
        for (const tick of ticks) {
          const before = builder.current;
          const result = builder.apply(tick);
          closed.push(...result.closed);
          if (before && tick.time < before.time) expect(result.current).toBe(before);
          else accepted.push(tick);
        }
        const times = closed.map((c) => c.time);
        expect(times.every((t, i) => i === 0 || t > (times[i - 1] ?? 0))).toBe(true);
        // every accepted tick's quantity is in exactly one candle
        const all = builder.current ? [...closed, builder.current] : closed;
        const total = all.reduce((sum, c) => sum.plus(c.volume), new Decimal(0));
        const expected = accepted.reduce((sum, t) => sum.plus(t.quantity), new Decimal(0));
        expect(total.equals(expected)).toBe(true);
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

  it("keeps the gaps: hours without candles produce none", () => {
    const hour = 3_600_000;
    const minutes: Candle[] = [
      { time: T0 + 59 * 60_000, open: "1", high: "1", low: "1", close: "1", volume: "1" },
      { time: T0 + 3 * hour, open: "2", high: "3", low: "2", close: "3", volume: "0.5" },
    ];
    expect(mergeCandles(minutes, "1h").map((c) => c.time)).toEqual([T0, T0 + 3 * hour]);
  });

  it("merged candles keep volume and the overall high and low", () => {
    fc.assert(
      fc.property(ticksArbitrary, fc.constantFrom("5m", "1h", "1d"), (ticks, interval) => {
        const minutes = build(ticks, "1m");
        const merged = mergeCandles(minutes, interval);
        const sum = (candles: Candle[]) => candles.reduce((s, c) => s.plus(c.volume), new Decimal(0));
        expect(sum(merged).equals(sum(minutes))).toBe(true);
        const max = (candles: Candle[]) => Decimal.max(...candles.map((c) => c.high));
        const min = (candles: Candle[]) => Decimal.min(...candles.map((c) => c.low));
        expect(max(merged).equals(max(minutes)) && min(merged).equals(min(minutes))).toBe(true);
        for (const candle of merged) expect(candle.time % INTERVAL_MS[interval]).toBe(0);
      }),
    );
  });
});
