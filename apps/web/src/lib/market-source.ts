import type { FeedStatus, MarketSummary, StaleReason } from "@tradeboard/contracts";

const REASON: Record<StaleReason, (source: string) => string> = {
  connecting: (source) => `waiting for the first data from ${source}`,
  unreachable: (source) => `${source} is unreachable`,
  disconnected: (source) => `the connection to ${source} dropped; reconnecting`,
  no_data: (source) => `${source} has sent nothing for a while`,
  resync: (source) => `repairing a gap in ${source}'s data`,
};

/** Why a market's prices are stale, in words for the page. */
export function staleText(market: Pick<MarketSummary, "staleReason" | "source">): string {
  return REASON[market.staleReason ?? "no_data"](market.source.name);
}

/** "BTCUSDT, quoted in USDT" when the venue's name or quote differs from ours; the symbol otherwise. */
export function venueText(market: Pick<MarketSummary, "symbol" | "quote" | "source">): string {
  const { venueSymbol, quote } = market.source;
  if (quote !== market.quote) return `${venueSymbol}, quoted in ${quote}`;
  return venueSymbol;
}

/** The feed's own trouble (the venue unreachable), if any. */
export function feedTrouble(feed: FeedStatus | undefined): string | null {
  if (feed?.state !== "unreachable") return null;
  return feed.message ?? `${feed.source} is unreachable`;
}
