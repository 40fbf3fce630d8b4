import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_MARKETS, Decimal, generateHistory, isOnGrid, RandomWalk, SeededRandom } from "../src/index.ts";

const T0 = Date.UTC(2026, 10, 24, 0, 0, 0);
const specArbitrary = fc.constantFrom(...DEFAULT_MARKETS);

describe("RandomWalk", () => {
  it("stays positive and on the tick and lot grids for any seed", () => {
    fc.assert(
      fc.property(specArbitrary, fc.integer(), (spec, seed) => {
        const walk = new RandomWalk(spec, { seed });
        for (let i = 0; i < 2_000; i++) {
          const tick = walk.step(T0 + i * 250);
          expect(new Decimal(tick.price).greaterThan(0)).toBe(true);
          expect(isOnGrid(tick.price, spec.tickSize)).toBe(true);
          expect(new Decimal(tick.quantity).greaterThan(0)).toBe(true);
          expect(isOnGrid(tick.quantity, spec.lotSize)).toBe(true);
        }
      }),
      { numRuns: 20 },
    );
  });

  it("never falls below one tick, even with absurd volatility", () => {
    const spec = { ...DEFAULT_MARKETS[0], volatility: 500 } as (typeof DEFAULT_MARKETS)[number];
    const walk = new RandomWalk(spec, { seed: 7, startPrice: "0.05" });
    for (let i = 0; i < 5_000; i++)
      expect(new Decimal(walk.step(T0 + i * 60_000).price).greaterThanOrEqualTo("0.01")).toBe(true);
  });

  it("is reproducible: the same seed gives the same ticks, another seed others", () => {
    const spec = DEFAULT_MARKETS[0];
    if (!spec) throw new Error("no markets");
    const run = (seed: string) => {
      const walk = new RandomWalk(spec, { seed });
      return Array.from({ length: 100 }, (_, i) => walk.step(T0 + i * 250));
    };
    expect(run("alpha")).toEqual(run("alpha"));
    expect(run("alpha")).not.toEqual(run("beta"));
  });

  it("starts from the given price", () => {
    const spec = DEFAULT_MARKETS[1];
    if (!spec) throw new Error("no markets");
    expect(new RandomWalk(spec, { seed: 1, startPrice: "2500.55" }).price).toBe("2500.55");
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

  it("moves about as much per day as the market's volatility says", () => {
    for (const spec of DEFAULT_MARKETS) {
      const { candles } = generateHistory(spec, { seed: `vol:${spec.symbol}`, fromMs: T0, toMs: T0 + 60 * 86_400_000 });
      const dailyCloses = candles.filter((_, i) => (i + 1) % 1440 === 0).map((c) => Number(c.close));
      const returns = dailyCloses.slice(1).map((close, i) => Math.log(close / (dailyCloses[i] ?? close)));
      const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
      const variance = returns.reduce((a, r) => a + (r - mean) ** 2, 0) / (returns.length - 1);
      const annualised = Math.sqrt(variance * 365);
      // Sixty daily returns estimate the volatility loosely; anything within 0.4x–2.5x is plausible.
      expect(annualised).toBeGreaterThan(spec.volatility * 0.4);
      expect(annualised).toBeLessThan(spec.volatility * 2.5);
    }
  });

  it("is fast enough to backfill a week of five markets at start", () => {
    // Not a timing assertion: the work must merely finish; bench/ measures speed.
    const total = DEFAULT_MARKETS.map(
      (spec) => generateHistory(spec, { seed: 1, fromMs: T0, toMs: T0 + 7 * 86_400_000 }).candles.length,
    ).reduce((a, b) => a + b, 0);
    expect(total).toBe(5 * 7 * 1440);
  });
});

describe("SeededRandom", () => {
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
