import { type CandleInterval, candleInterval, marketSymbol } from "@tradeboard/contracts";

/** The market and interval a page was asked for, falling back to BTC-USD and 1m for anything malformed. */
export function readMarketParams(params: { symbol?: string; interval?: string }): {
  symbol: string;
  interval: CandleInterval;
} {
  const symbol = marketSymbol.safeParse(params.symbol?.toUpperCase());
  const interval = candleInterval.safeParse(params.interval);
  return { symbol: symbol.success ? symbol.data : "BTC-USD", interval: interval.success ? interval.data : "1m" };
}
