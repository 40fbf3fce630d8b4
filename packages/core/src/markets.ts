import { Decimal } from "./decimal.ts";

export interface MarketSpec {
  symbol: string;
  base: string;
  quote: string;
  /** Prices are multiples of this. */
  tickSize: string;
  /** Quantities are multiples of this. */
  lotSize: string;
  /** Smallest order value, in the quote asset. */
  minNotional: string;
  /** Where the simulated price starts when a market has no history. */
  initialPrice: string;
  /** Annualised volatility of the simulated walk (a model parameter, not money). */
  volatility: number;
  /** Typical quantity of one simulated trade, in the base asset. */
  typicalTradeSize: string;
}

export const DEFAULT_MARKETS: readonly MarketSpec[] = [
  {
    symbol: "BTC-USD",
    base: "BTC",
    quote: "USD",
    tickSize: "0.01",
    lotSize: "0.00001",
    minNotional: "1",
    initialPrice: "64000.00",
    volatility: 0.6,
    typicalTradeSize: "0.02",
  },
  {
    symbol: "ETH-USD",
    base: "ETH",
    quote: "USD",
    tickSize: "0.01",
    lotSize: "0.0001",
    minNotional: "1",
    initialPrice: "3200.00",
    volatility: 0.75,
    typicalTradeSize: "0.4",
  },
  {
    symbol: "SOL-USD",
    base: "SOL",
    quote: "USD",
    tickSize: "0.01",
    lotSize: "0.001",
    minNotional: "1",
    initialPrice: "150.00",
    volatility: 0.95,
    typicalTradeSize: "8",
  },
  {
    symbol: "DOGE-USD",
    base: "DOGE",
    quote: "USD",
    tickSize: "0.00001",
    lotSize: "1",
    minNotional: "1",
    initialPrice: "0.15000",
    volatility: 1.1,
    typicalTradeSize: "5000",
  },
  {
    symbol: "AVAX-USD",
    base: "AVAX",
    quote: "USD",
    tickSize: "0.01",
    lotSize: "0.01",
    minNotional: "1",
    initialPrice: "35.00",
    volatility: 1.0,
    typicalTradeSize: "30",
  },
];

export function findMarket(symbol: string, markets: readonly MarketSpec[] = DEFAULT_MARKETS): MarketSpec | undefined {
  return markets.find((m) => m.symbol === symbol);
}

/** Whether `value` is a whole multiple of `step` ("64123.50" on "0.01": yes; "64123.505": no). */
export function isOnGrid(value: string | Decimal, step: string): boolean {
  return new Decimal(value).mod(step).isZero();
}

/** The nearest multiple of `step` below, above, or nearest (half up) to `value`. */
export function snapToGrid(value: Decimal, step: string, mode: "down" | "up" | "nearest"): Decimal {
  const rounding = mode === "down" ? Decimal.ROUND_FLOOR : mode === "up" ? Decimal.ROUND_CEIL : Decimal.ROUND_HALF_UP;
  return value.div(step).toDecimalPlaces(0, rounding).times(step);
}

/** The number of decimal places of a grid step: "0.01" → 2, "1" → 0. */
export function stepPlaces(step: string): number {
  return new Decimal(step).decimalPlaces();
}
