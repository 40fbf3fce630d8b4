import { CANDLE_INTERVALS, type CandleInterval } from "@tradeboard/core";
import { z } from "zod";

export type { CandleInterval };
export const candleIntervals = CANDLE_INTERVALS;
export const candleInterval = z.enum(CANDLE_INTERVALS, {
  error: `interval must be one of ${CANDLE_INTERVALS.join(", ")}`,
});

/** "BTC-USD": base and quote asset codes. */
export const marketSymbol = z.string().regex(/^[A-Z0-9]{2,10}-[A-Z]{2,10}$/, "symbol must look like BTC-USD");

export const market = z.object({
  symbol: z.string(),
  base: z.string(),
  quote: z.string(),
  /** Prices are multiples of this. */
  tickSize: z.string(),
  /** Quantities are multiples of this. */
  lotSize: z.string(),
  /** Smallest order value in the quote asset. */
  minNotional: z.string(),
});
export type Market = z.infer<typeof market>;

/** Live statistics of one market over the last 24 hours. Amounts are decimal strings. */
export const ticker = z.object({
  symbol: z.string(),
  price: z.string(),
  open24h: z.string(),
  high24h: z.string(),
  low24h: z.string(),
  /** Traded quantity in the base asset. */
  volume24h: z.string(),
  change24h: z.string(),
  /** Signed, two decimals: "-1.25". */
  changePercent24h: z.string(),
  /** Milliseconds since the epoch of the last tick. */
  time: z.number().int(),
  /**
   * True while the venue sends no fresh data (see `MarketSummary.staleReason`):
   * market orders are refused (`market_stale`) and nothing fires on these
   * prices. A ticker is published on every change, so a subscriber learns at once.
   */
  stale: z.boolean().optional(),
});
export type Ticker = z.infer<typeof ticker>;

export const feedKinds = ["simulated", "replay", "manual", "coinbase", "binance", "kraken"] as const;
export const feedKind = z.enum(feedKinds);
export type FeedKind = z.infer<typeof feedKind>;

export const staleReason = z.enum(["connecting", "unreachable", "disconnected", "no_data", "resync"]);
export type StaleReason = z.infer<typeof staleReason>;

/** Where a market's prices come from: Binance's BTC-USD is its BTCUSDT book, quoted in USDT. */
export const marketSource = z.object({
  kind: feedKind,
  /** "Simulated", "Replay", "Coinbase", "Binance", "Kraken". */
  name: z.string(),
  /** The venue's own name of the market ("BTCUSDT", "BTC/USD"). */
  venueSymbol: z.string(),
  /** The asset the venue really quotes the price in ("USDT"). */
  quote: z.string(),
});
export type MarketSource = z.infer<typeof marketSource>;

export const marketSummary = market.extend({
  ticker,
  source: marketSource,
  stale: z.boolean(),
  staleReason: staleReason.nullable(),
});
export type MarketSummary = z.infer<typeof marketSummary>;

/** The feed as a whole: is the venue answering? */
export const feedStatus = z.object({
  kind: feedKind,
  source: z.string(),
  state: z.enum(["connecting", "connected", "unreachable"]),
  /** What went wrong, in words ("Kraken is unreachable (ENOTFOUND); retrying in 8 s"). */
  message: z.string().nullable(),
});
export type FeedStatus = z.infer<typeof feedStatus>;

/** GET /api/markets */
export const marketsResponse = z.object({
  markets: z.array(marketSummary),
  feed: feedStatus,
  /** Fee (fraction of notional) and market-order slippage, for estimates on the order ticket. */
  trading: z.object({ feeRate: z.string(), slippageRate: z.string() }),
});
export type MarketsResponse = z.infer<typeof marketsResponse>;

export const candle = z.object({
  /** Open time, milliseconds since the epoch, aligned to the interval (UTC). */
  time: z.number().int(),
  open: z.string(),
  high: z.string(),
  low: z.string(),
  close: z.string(),
  volume: z.string(),
});
export type Candle = z.infer<typeof candle>;

const epochMs = z.coerce.number().int().min(0).max(8_640_000_000_000_000);

/** GET /api/markets/:symbol/candles?interval=&from=&to=&limit= */
export const candlesQuery = z
  .strictObject({
    interval: candleInterval.default("1m"),
    /** Open times from (inclusive) and to (inclusive), ms since the epoch. */
    from: epochMs.optional(),
    to: epochMs.optional(),
    limit: z.coerce.number().int().min(1).max(1500).default(500),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, {
    message: "from must not be after to",
    path: ["from"],
  });
export type CandlesQuery = z.infer<typeof candlesQuery>;

/** Oldest first; the last one may be the current, still open candle. */
export const candlesResponse = z.object({
  symbol: z.string(),
  interval: candleInterval,
  candles: z.array(candle),
});
export type CandlesResponse = z.infer<typeof candlesResponse>;

export const marketParams = z.strictObject({ symbol: marketSymbol });
