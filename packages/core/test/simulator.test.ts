import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Candle,
  DEFAULT_MARKETS,
  Decimal,
  generateHistory,
  isOnGrid,
  type MarketSpec,
  RandomWalk,
  SeededRandom,
  type Tick,
} from "../src/index.ts";

const T0 = Date.UTC(2026, 10, 24, 0, 0, 0);
const MINUTE = 60_000;
const DAY = 86_400_000;
const specArbitrary = fc.constantFrom(...DEFAULT_MARKETS);
const seedArbitrary = fc.oneof(fc.integer(), fc.string());

function market(symbol: string): MarketSpec {
  const spec = DEFAULT_MARKETS.find((m) => m.symbol === symbol);
  if (!spec) throw new Error(`no market ${symbol}`);
  return spec;
}

function walkTicks(spec: MarketSpec, seed: number | string, count: number, gapMs = 250): Tick[] {
  const walk = new RandomWalk(spec, { seed });
  return Array.from({ length: count }, (_, i) => walk.step(T0 + i * gapMs));
}

function expectValidTick(tick: Tick, spec: MarketSpec): void {
  expect(new Decimal(tick.price).greaterThan(0)).toBe(true);
  expect(isOnGrid(tick.price, spec.tickSize)).toBe(true);
  expect(new Decimal(tick.quantity).greaterThan(0)).toBe(true);
  expect(isOnGrid(tick.quantity, spec.lotSize)).toBe(true);
}

/** Annualised standard deviation of log returns taken every `every` closes (one per `every` minutes). */
function annualisedVolatility(candles: readonly Candle[], every: number): number {
  const closes = candles.filter((_, i) => (i + 1) % every === 0).map((c) => new Decimal(c.close));
  // the ratio of two prices is a model quantity, no money: a float log of it is fine (Decimal.ln is far too slow here)
  const returns = closes.slice(1).map((close, i) => Math.log(close.div(closes[i] ?? close).toNumber()));
  const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
  const variance = returns.reduce((a, r) => a + (r - mean) ** 2, 0) / (returns.length - 1);
  return Math.sqrt((variance * 365 * 1440) / every);
}

describe("RandomWalk", () => {
  it("stays positive and on the tick and lot grids for any seed, any clock, a few thousand steps", () => {
    // gaps from 0 ms (the clock did not move) to an hour, cycled
    const gaps = fc.array(fc.integer({ min: 0, max: 3_600_000 }), { minLength: 1, maxLength: 20 });
    fc.assert(
      fc.property(specArbitrary, seedArbitrary, gaps, (spec, seed, gapList) => {
        const walk = new RandomWalk(spec, { seed });
        let time = T0;
        for (let i = 0; i < 3_000; i++) {
          time += gapList[i % gapList.length] ?? 0;
          const tick = walk.step(time);
          expectValidTick(tick, spec);
          expect(tick).toMatchObject({ symbol: spec.symbol, time });
          expect(walk.price).toBe(tick.price);
        }
      }),
      { numRuns: 12 },
    );
  }, 30_000); // 36 000 steps checked with Decimal: about 1.5 s alone, more on a busy machine

  it("never falls below one tick, even with absurd volatility", () => {
    const spec = { ...market("BTC-USD"), volatility: 500 };
    const walk = new RandomWalk(spec, { seed: 7, startPrice: "0.05" });
    for (let i = 0; i < 5_000; i++)
      expect(new Decimal(walk.step(T0 + i * 60_000).price).greaterThanOrEqualTo("0.01")).toBe(true);
  });

  it("stays on the grid and never throws with a volatility that breaks float arithmetic", () => {
    // σ·√(1 day / 1 year) ≈ 5·10^6: exp(σz − σ²/2) underflows to 0 on every draw, the floor of one tick holds
    fc.assert(
      fc.property(specArbitrary, fc.integer(), (base, seed) => {
        const spec = { ...base, volatility: 1e8 };
        const walk = new RandomWalk(spec, { seed });
        for (let i = 0; i < 50; i++) expectValidTick(walk.step(T0 + i * DAY), spec);
      }),
      { numRuns: 20 },
    );
  });

  it("is reproducible: the same seed gives the same ticks", () => {
    fc.assert(
      fc.property(specArbitrary, seedArbitrary, (spec, seed) => {
        expect(walkTicks(spec, seed, 200)).toEqual(walkTicks(spec, seed, 200));
      }),
      { numRuns: 30 },
    );
  });

  it("gives other ticks for another seed", () => {
    fc.assert(
      fc.property(specArbitrary, seedArbitrary, seedArbitrary, (spec, a, b) => {
        fc.pre(a !== b && String(a) !== String(b)); // 7 and "7" are the same seed by design
        expect(walkTicks(spec, a, 200)).not.toEqual(walkTicks(spec, b, 200));
      }),
      { numRuns: 50 },
    );
    const btc = market("BTC-USD");
    // 1.5 is not rounded to 1; 2^32 does wrap to 0 (the PRNG has 32 bits of state)
    expect(walkTicks(btc, 1.5, 50)).not.toEqual(walkTicks(btc, 1, 50));
    expect(walkTicks(btc, 2 ** 32, 50)).toEqual(walkTicks(btc, 0, 50));
  });

  it("starts from the given price, snapped to the nearest tick and at least one tick", () => {
    const eth = market("ETH-USD");
    expect(new RandomWalk(eth, { seed: 1 }).price).toBe("3200.00");
    expect(new RandomWalk(eth, { seed: 1, startPrice: "2500.55" }).price).toBe("2500.55");
    expect(new RandomWalk(eth, { seed: 1, startPrice: "2500.554" }).price).toBe("2500.55"); // 250055.4 ticks → 250055
    expect(new RandomWalk(eth, { seed: 1, startPrice: "0.001" }).price).toBe("0.01"); // 0.1 ticks → 0 → one tick
    expect(new RandomWalk(market("DOGE-USD"), { seed: 1 }).price).toBe("0.15000");
  });

  it("trades around the typical size: mean quantity within 0.8x–1.25x of it", () => {
    for (const spec of DEFAULT_MARKETS) {
      const ticks = walkTicks(spec, `size:${spec.symbol}`, 4_000);
      const mean = ticks.reduce((sum, t) => sum.plus(t.quantity), new Decimal(0)).div(ticks.length);
      // exponential sizes: the mean of 4000 has a relative error of about 1/√4000 ≈ 1.6 %
      expect(mean.div(spec.typicalTradeSize).toNumber()).toBeGreaterThan(0.8);
      expect(mean.div(spec.typicalTradeSize).toNumber()).toBeLessThan(1.25);
    }
  });

  it("refuses a market without a positive tick or lot size", () => {
    const btc = market("BTC-USD");
    expect(() => new RandomWalk({ ...btc, tickSize: "0" }, { seed: 1 })).toThrow(RangeError);
    expect(() => new RandomWalk({ ...btc, lotSize: "-1" }, { seed: 1 })).toThrow(RangeError);
  });
});

describe("generateHistory", () => {
  it("gives contiguous, consistent one-minute candles from the start price", () => {
    const spec = DEFAULT_MARKETS[0];
    if (!spec) throw new Error("no markets");
    const { candles, lastPrice } = generateHistory(spec, {
      seed: "history",
      fromMs: T0 + 30_000, // inside the first minute
      toMs: T0 + 3 * 3_600_000 + 59_999, // inside the minute that is not included
      startPrice: "64000.00",
    });
    expect(candles).toHaveLength(180);
    expect(candles[0]?.time).toBe(T0);
    expect(candles[0]?.open).toBe("64000.00");
    expect(candles.at(-1)?.close).toBe(lastPrice);
    candles.forEach((c, i) => {
      if (i > 0) expect(c.time - (candles[i - 1]?.time ?? 0)).toBe(60_000);
      const [open, high, low, close] = [c.open, c.high, c.low, c.close].map((v) => new Decimal(v));
      expect(high?.greaterThanOrEqualTo(Decimal.max(open ?? 0, close ?? 0))).toBe(true);
      expect(low?.lessThanOrEqualTo(Decimal.min(open ?? 0, close ?? 0))).toBe(true);
      expect(new Decimal(c.volume).greaterThan(0)).toBe(true);
      if (i > 0) expect(c.open).toBe(candles[i - 1]?.close);
    });
  });

  it("gives valid, contiguous candles on the grids for any seed and range", () => {
    fc.assert(
      fc.property(
        specArbitrary,
        seedArbitrary,
        fc.integer({ min: 0, max: 30 * DAY }),
        fc.integer({ min: 0, max: 6 * 3_600_000 }),
        (spec, seed, offset, length) => {
          const fromMs = T0 + offset;
          const { candles, lastPrice } = generateHistory(spec, { seed, fromMs, toMs: fromMs + length });
          // from the minute containing fromMs up to, not including, the minute containing toMs
          const first = Math.floor(fromMs / MINUTE) * MINUTE;
          const end = Math.floor((fromMs + length) / MINUTE) * MINUTE;
          expect(candles.map((c) => c.time)).toEqual(
            Array.from({ length: (end - first) / MINUTE }, (_, i) => first + i * MINUTE),
          );
          expect(candles[0]?.open ?? spec.initialPrice).toBe(spec.initialPrice);
          expect(candles.at(-1)?.close ?? spec.initialPrice).toBe(lastPrice);
          candles.forEach((c, i) => {
            for (const price of [c.open, c.high, c.low, c.close]) {
              expect(isOnGrid(price, spec.tickSize) && new Decimal(price).greaterThan(0)).toBe(true);
            }
            expect(new Decimal(c.high).greaterThanOrEqualTo(Decimal.max(c.open, c.close))).toBe(true);
            expect(new Decimal(c.low).lessThanOrEqualTo(Decimal.min(c.open, c.close))).toBe(true);
            expect(isOnGrid(c.volume, spec.lotSize) && new Decimal(c.volume).greaterThan(0)).toBe(true);
            if (i > 0) expect(c.open).toBe(candles[i - 1]?.close);
          });
        },
      ),
      { numRuns: 25 },
    );
  });

  it("is reproducible, and another seed gives another history", () => {
    const sol = market("SOL-USD");
    const options = { fromMs: T0, toMs: T0 + 3 * 3_600_000 };
    expect(generateHistory(sol, { seed: "h", ...options })).toEqual(generateHistory(sol, { seed: "h", ...options }));
    expect(generateHistory(sol, { seed: "h", ...options })).not.toEqual(
      generateHistory(sol, { seed: "i", ...options }),
    );
  });

  it("is empty when the range ends in its first minute, and then ends at the start price", () => {
    const avax = market("AVAX-USD");
    // 00:00:10 to 00:00:50: the minute containing toMs is not included, so nothing
    expect(generateHistory(avax, { seed: 1, fromMs: T0 + 10_000, toMs: T0 + 50_000, startPrice: "36.12" })).toEqual({
      candles: [],
      lastPrice: "36.12",
    });
    expect(generateHistory(avax, { seed: 1, fromMs: T0 + DAY, toMs: T0 })).toEqual({ candles: [], lastPrice: "35.00" });
  });

  it("hands over to live ticking at its last price", () => {
    const doge = market("DOGE-USD");
    const { candles, lastPrice } = generateHistory(doge, { seed: "handover", fromMs: T0, toMs: T0 + 3_600_000 });
    expect(candles).toHaveLength(60);
    const live = new RandomWalk(doge, { seed: "live", startPrice: lastPrice });
    expect(live.price).toBe(lastPrice);
    expectValidTick(live.step(T0 + 3_600_000), doge);
  });

  it("moves about as much as the market's volatility says, per day and per minute", () => {
    for (const spec of DEFAULT_MARKETS) {
      const { candles } = generateHistory(spec, { seed: `vol:${spec.symbol}`, fromMs: T0, toMs: T0 + 60 * DAY });
      // Sixty daily returns estimate the volatility loosely (±10 % is one standard error): 0.4x–2.5x.
      const daily = annualisedVolatility(candles, 1440);
      expect(daily).toBeGreaterThan(spec.volatility * 0.4);
      expect(daily).toBeLessThan(spec.volatility * 2.5);
      // A week of one-minute returns (10 079) pins it down (±0.7 %); tick rounding adds a little noise: 0.9x–1.15x.
      const minutely = annualisedVolatility(candles.slice(0, 7 * 1440), 1);
      expect(minutely).toBeGreaterThan(spec.volatility * 0.9);
      expect(minutely).toBeLessThan(spec.volatility * 1.15);
    }
  }, 30_000); // 432 000 candles generated

  it("backfills a week of five markets: every minute, the same history for the same seed on any machine", () => {
    // What a first start writes (seed 1, 7 days), pinned: its length, where it ends and a digest of every
    // candle. A change to the walk or the aggregation changes them; how fast the machine is does not.
    const week = DEFAULT_MARKETS.map((spec) => {
      const { candles, lastPrice } = generateHistory(spec, { seed: 1, fromMs: T0, toMs: T0 + 7 * DAY });
      expect(candles[0]?.time).toBe(T0);
      expect(candles.at(-1)?.time).toBe(T0 + 7 * DAY - MINUTE);
      const digest = createHash("sha256").update(JSON.stringify(candles)).digest("hex").slice(0, 16);
      return [spec.symbol, candles.length, lastPrice, digest];
    });
    expect(week).toEqual([
      ["BTC-USD", 10_080, "63015.58", "27fe003949cbcfa6"],
      ["ETH-USD", 10_080, "3135.16", "32ac0f32c85444e0"],
      ["SOL-USD", 10_080, "145.75", "6dd9eecb739f00aa"],
      ["DOGE-USD", 10_080, "0.14514", "7a4aa0fbda06bc85"],
      ["AVAX-USD", 10_080, "34.78", "64c20c113dfd41ff"],
    ]); // 5 × 7 × 1440 = 50 400 candles
  });
});

describe("SeededRandom", () => {
  it("repeats a sequence for the same seed, number or string", () => {
    const draw = (seed: number | string) => {
      const random = new SeededRandom(seed);
      return Array.from({ length: 10 }, () => [random.next(), random.normal()]);
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw("BTC-USD")).toEqual(draw("BTC-USD"));
    expect(draw("BTC-USD")).not.toEqual(draw("ETH-USD"));
    expect(draw(-1)).toEqual(draw(2 ** 32 - 1)); // integers count modulo 2^32
  });

  it("draws uniformly in [0, 1) and normals with mean 0 and variance 1", () => {
    const random = new SeededRandom("stats");
    const uniforms = Array.from({ length: 20_000 }, () => random.next());
    expect(Math.min(...uniforms)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...uniforms)).toBeLessThan(1);
    const normals = Array.from({ length: 20_000 }, () => random.normal());
    const mean = normals.reduce((a, b) => a + b, 0) / normals.length;
    const variance = normals.reduce((a, b) => a + (b - mean) ** 2, 0) / normals.length;
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });
});
