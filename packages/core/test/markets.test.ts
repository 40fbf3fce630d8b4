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
  ])("%s on a %s grid: %s", (value, step, expected) => expect(isOnGrid(value, step)).toBe(expected));

  it.each([
    ["64123.505", "down", "64123.5"],
    ["64123.505", "up", "64123.51"],
    ["64123.505", "nearest", "64123.51"],
    ["64123.504", "nearest", "64123.5"],
    ["64123.50", "up", "64123.5"],
  ] as const)("snaps %s %s to %s", (value, mode, expected) => {
    expect(snapToGrid(new Decimal(value), "0.01", mode).toFixed()).toBe(expected);
  });

  it("knows the places of a step", () => {
    expect(stepPlaces("0.01")).toBe(2);
    expect(stepPlaces("1")).toBe(0);
    expect(stepPlaces("0.00001")).toBe(5);
  });

  it("has the five default markets with initial prices on their grids", () => {
    expect(DEFAULT_MARKETS.map((m) => m.symbol)).toEqual(["BTC-USD", "ETH-USD", "SOL-USD", "DOGE-USD", "AVAX-USD"]);
    for (const market of DEFAULT_MARKETS) expect(isOnGrid(market.initialPrice, market.tickSize)).toBe(true);
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
