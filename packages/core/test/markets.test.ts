import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_MARKETS, Decimal, findMarket, isOnGrid, snapToGrid, stepPlaces } from "../src/index.ts";

describe("market grids", () => {
  it.each([
    ["64123.50", "0.01", true],
    ["64123.505", "0.01", false],
    ["0.00001", "0.00001", true],
    ["0.000015", "0.00001", false],
    ["5000", "1", true],
    ["5000.5", "1", false],
    ["0.01", "0.01", true], // the smallest price
    ["0", "0.01", true], // 0 = 0 × 0.01 (positivity is checked elsewhere)
    ["0.001", "0.01", false],
    ["0.009", "0.01", false],
    ["64123.500000", "0.01", true], // trailing zeros do not matter
    ["64123.5", "0.01", true],
    ["0.15000", "0.00001", true], // DOGE
    ["0.150005", "0.00001", false],
    ["35.05", "0.05", true], // 701 × 0.05
    ["35.07", "0.05", false], // 701.4 × 0.05
    ["0.6", "0.2", true], // a float would say 0.6 % 0.2 = 0.19999999999999996
  ])("%s on a %s grid: %s", (value, step, expected) => expect(isOnGrid(value, step)).toBe(expected));

  it.each([
    ["64123.505", "down", "64123.5"],
    ["64123.505", "up", "64123.51"],
    ["64123.505", "nearest", "64123.51"],
    ["64123.504", "nearest", "64123.5"],
    ["64123.50", "up", "64123.5"],
    ["64123.50", "down", "64123.5"],
    ["64123.50", "nearest", "64123.5"],
    ["64123.515", "nearest", "64123.52"], // .515 → .52 (half even would agree: 2 is even)
    ["64123.525", "nearest", "64123.53"], // half up: .525 → .53 (half even would give .52)
    ["64123.5000001", "up", "64123.51"],
    ["64123.5099999", "down", "64123.5"],
    ["0.004", "down", "0"], // below one tick, down is zero: callers that need a price keep a floor of one tick
    ["0.004", "up", "0.01"],
    ["0.005", "nearest", "0.01"],
  ] as const)("snaps %s %s to %s on 0.01", (value, mode, expected) => {
    expect(snapToGrid(new Decimal(value), "0.01", mode).toFixed()).toBe(expected);
  });

  it.each([
    ["0.1234567", "0.00001", "down", "0.12345"],
    ["0.1234567", "0.00001", "up", "0.12346"],
    ["1234.5", "1", "nearest", "1235"],
    ["1234.4999", "1", "nearest", "1234"],
    ["35.07", "0.05", "nearest", "35.05"], // 701.4 steps → 701 × 0.05
    ["35.08", "0.05", "nearest", "35.1"], // 701.6 steps → 702 × 0.05
  ] as const)("snaps %s on %s %s to %s", (value, step, mode, expected) => {
    expect(snapToGrid(new Decimal(value), step, mode).toFixed()).toBe(expected);
  });

  it("snaps onto the grid, within one step, down ≤ value ≤ up, nearest one of the two", () => {
    const steps = fc.constantFrom("0.01", "0.00001", "1", "0.05", "0.0001", "0.25");
    // any value with up to 8 decimals, up to 10^9
    const values = fc.bigInt({ min: 0n, max: 10n ** 17n }).map((n) => new Decimal(n.toString()).div(1e8));
    fc.assert(
      fc.property(values, steps, (value, step) => {
        const down = snapToGrid(value, step, "down");
        const up = snapToGrid(value, step, "up");
        const nearest = snapToGrid(value, step, "nearest");
        for (const snapped of [down, up, nearest]) expect(isOnGrid(snapped.toFixed(), step)).toBe(true);
        expect(down.lessThanOrEqualTo(value) && up.greaterThanOrEqualTo(value)).toBe(true);
        // on the grid: all three are the value; otherwise up is exactly one step above down
        expect(up.minus(down).toFixed()).toBe(isOnGrid(value, step) ? "0" : new Decimal(step).toFixed());
        expect(nearest.equals(down) || nearest.equals(up)).toBe(true);
        expect(nearest.minus(value).abs().lessThanOrEqualTo(new Decimal(step).div(2))).toBe(true);
      }),
    );
  });

  it("knows the places of a step", () => {
    expect(stepPlaces("0.01")).toBe(2);
    expect(stepPlaces("1")).toBe(0);
    expect(stepPlaces("0.00001")).toBe(5);
  });

  it("has the five default markets with initial prices on their grids", () => {
    expect(DEFAULT_MARKETS.map((m) => m.symbol)).toEqual(["BTC-USD", "ETH-USD", "SOL-USD", "DOGE-USD", "AVAX-USD"]);
    for (const market of DEFAULT_MARKETS) {
      expect(isOnGrid(market.initialPrice, market.tickSize)).toBe(true);
      expect(isOnGrid(market.typicalTradeSize, market.lotSize)).toBe(true);
      expect(`${market.base}-${market.quote}`).toBe(market.symbol);
      expect(market.minNotional).toBe("1");
      // the smallest lot at the initial price is worth less than the minimum order: every market is tradable with $1
      expect(new Decimal(market.lotSize).times(market.initialPrice).lessThanOrEqualTo(market.minNotional)).toBe(true);
    }
    const btc = findMarket("BTC-USD");
    expect([btc?.tickSize, btc?.lotSize, btc?.volatility]).toEqual(["0.01", "0.00001", 0.6]);
    // alts are more volatile than bitcoin
    for (const market of DEFAULT_MARKETS) if (market !== btc) expect(market.volatility).toBeGreaterThan(0.6);
    expect(findMarket("ETH-USD")?.base).toBe("ETH");
    expect(findMarket("XRP-USD")).toBeUndefined();
  });
});

describe("checkOrder", async () => {
  const { checkOrder, DEFAULT_MARKETS: markets } = await import("../src/index.ts");
  const btc = markets[0];
  if (!btc) throw new Error("no market");
  const base = { side: "buy" as const, timeInForce: "gtc" as const };

  it.each([
    [{ type: "market" as const, quantity: "0.5" }, true, ""],
    [{ type: "market" as const, quantity: "" }, false, "quantity"],
    [{ type: "trailing_stop" as const, quantity: "0.5", trailPercent: "" }, false, "trailPercent"],
    [{ type: "limit" as const, quantity: "0.5", limitPrice: "abc" }, false, "limitPrice"],
    [{ type: "limit" as const, quantity: "0.5", limitPrice: "60000.001" }, false, "limitPrice"],
    [{ type: "market" as const, quantity: "0.000001" }, false, "quantity"],
    [{ type: "market" as const, notional: "0.5" }, false, "notional"],
    [{ type: "market" as const, notional: "1000" }, true, ""],
    [{ type: "market" as const, quantity: "0.1", takeProfit: "59000.00" }, false, "takeProfit"],
    [{ type: "market" as const, quantity: "0.1", stopLoss: "61000.00" }, false, "stopLoss"],
    [{ type: "trailing_stop" as const, quantity: "0.1", trailPercent: "60" }, false, "trailPercent"],
  ])("%j → ok %s (field %s), never throwing", (order, ok, field) => {
    const result = checkOrder(btc, { ...base, ...order }, "60000.00");
    expect(result.ok).toBe(ok);
    if (!result.ok) expect(result.field).toBe(field);
  });

  it("works out the quantity of an amount in whole lots", () => {
    // 1000 / 60000 = 0.0166666… → 0.01666
    const result = checkOrder(btc, { ...base, type: "market", notional: "1000" }, "60000.00");
    expect(result.ok && result.quantity.toFixed()).toBe("0.01666");
  });
});
