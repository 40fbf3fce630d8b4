import type { MarketSpec } from "@tradeboard/core";

export type VenueKind = "coinbase" | "binance" | "kraken";

/** One of our markets as a venue lists it: BTC-USD is BTC/USDT on Binance by default. */
export interface VenueMarket {
  /** Our symbol, "BTC-USD": balances, orders and charts use it. */
  symbol: string;
  /** The venue's base and quote assets in the common spelling ("BTC", "USDT"); each adapter writes its own names from them. */
  base: string;
  quote: string;
}

/** Binance has no USD spot books for most coins: its dollar markets quote in USDT. */
const DEFAULT_QUOTES: Record<VenueKind, Record<string, string>> = {
  coinbase: {},
  binance: { USD: "USDT" },
  kraken: {},
};

/**
 * Parses MARKET_SYMBOL_MAP ("BTC-USD=BTC-USDT,ETH-USD=ETH-USDC"): our symbol on
 * the left, the venue's base and quote on the right. Throws with the entry at fault.
 */
export function parseSymbolMap(text: string): Map<string, { base: string; quote: string }> {
  const map = new Map<string, { base: string; quote: string }>();
  for (const entry of text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const match = /^([A-Z0-9]{2,10}-[A-Z]{2,10})=([A-Z0-9]{2,12})-([A-Z0-9]{2,12})$/.exec(entry);
    if (!match?.[1] || !match[2] || !match[3]) {
      throw new Error(`"${entry}" is not SYMBOL=BASE-QUOTE (for example BTC-USD=BTC-USDT)`);
    }
    map.set(match[1], { base: match[2], quote: match[3] });
  }
  return map;
}

/** Our markets with the venue's names: the configured mapping first, then the venue's default. */
export function venueMarkets(
  kind: VenueKind,
  specs: readonly MarketSpec[],
  overrides: ReadonlyMap<string, { base: string; quote: string }> = new Map(),
): VenueMarket[] {
  return specs.map((spec) => {
    const mapped = overrides.get(spec.symbol);
    if (mapped) return { symbol: spec.symbol, ...mapped };
    return { symbol: spec.symbol, base: spec.base, quote: DEFAULT_QUOTES[kind][spec.quote] ?? spec.quote };
  });
}
