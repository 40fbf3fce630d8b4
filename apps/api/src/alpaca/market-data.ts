import { alpacaBarsQuery, alpacaSymbolsQuery, type Candle, type Ticker } from "@tradeboard/contracts";
import { type CandleInterval, INTERVAL_MS, type MarketSpec, marketFillPrice, type Tick } from "@tradeboard/core";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "../plugins/zod-validation.ts";
import type { MarketService } from "../services/markets.ts";
import { alpacaErrors } from "./errors.ts";
import { alpacaSymbol, findAlpacaMarket } from "./format.ts";

/**
 * Alpaca's crypto market data (v1beta3, location `us`) over our markets:
 * numbers as JSON numbers, as Alpaca sends them (display values; orders and
 * balances stay exact decimals). Tradeboard has no order book: a quote is the
 * price a market order would get on each side (the last trade moved by the
 * slippage), with no size (0).
 */

const UNIT_MS: Record<string, number> = {
  Min: 60_000,
  min: 60_000,
  T: 60_000,
  Hour: 3_600_000,
  H: 3_600_000,
  Day: 86_400_000,
  D: 86_400_000,
};

/** "1Min", "5T", "1Hour", "4H", "1Day" (and the same lengths spelled otherwise, such as "60Min") → our interval. */
export function parseTimeframe(text: string): CandleInterval | undefined {
  const match = /^(\d{1,4})([A-Za-z]+)$/.exec(text);
  const unit = match ? UNIT_MS[match[2] ?? ""] : undefined;
  if (!match || unit === undefined) return undefined;
  const length = Number(match[1]) * unit;
  return (Object.entries(INTERVAL_MS) as [CandleInterval, number][]).find(([, ms]) => ms === length)?.[0];
}

export function toAlpacaBar(candle: Candle) {
  const high = Number(candle.high);
  const low = Number(candle.low);
  const close = Number(candle.close);
  return {
    t: new Date(candle.time).toISOString(),
    o: Number(candle.open),
    h: high,
    l: low,
    c: close,
    v: Number(candle.volume),
    // Tradeboard keeps no trade count or VWAP per candle: n is 0, vw the typical price.
    n: 0,
    vw: (high + low + close) / 3,
  };
}

export interface LastTrade {
  price: string;
  quantity: string;
  time: number;
  id: number;
}

/** The last trade of each market (for latest/trades and the stream), numbered per market. */
export class LastTrades {
  private readonly trades = new Map<string, LastTrade>();

  record(tick: Tick): LastTrade {
    const trade = {
      price: tick.price,
      quantity: tick.quantity,
      time: tick.time,
      id: (this.trades.get(tick.symbol)?.id ?? 0) + 1,
    };
    this.trades.set(tick.symbol, trade);
    return trade;
  }

  get(symbol: string, ticker: Ticker | undefined): LastTrade | undefined {
    const known = this.trades.get(symbol);
    if (known) return known;
    return ticker ? { price: ticker.price, quantity: "0", time: ticker.time, id: 0 } : undefined;
  }
}

export const toAlpacaTrade = (trade: LastTrade) => ({
  t: new Date(trade.time).toISOString(),
  p: Number(trade.price),
  s: Number(trade.quantity),
  i: trade.id,
  tks: "B",
});

export function toAlpacaQuote(spec: MarketSpec, price: string, time: number, slippageRate: string) {
  return {
    t: new Date(time).toISOString(),
    bp: Number(marketFillPrice(spec, "sell", price, slippageRate).toFixed()),
    bs: 0,
    ap: Number(marketFillPrice(spec, "buy", price, slippageRate).toFixed()),
    as: 0,
  };
}

interface PageToken {
  /** Index of the symbol the page starts in. */
  i: number;
  /** Open time of its first bar (asc) or last bar (desc), ms. */
  t: number;
}

const encodeToken = (token: PageToken) => Buffer.from(JSON.stringify(token)).toString("base64url");
function decodeToken(text: string): PageToken {
  try {
    const token = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as PageToken;
    if (Number.isInteger(token.i) && token.i >= 0 && Number.isInteger(token.t)) return token;
  } catch {
    // fall through
  }
  throw alpacaErrors.badRequest("invalid page_token");
}

export function alpacaMarketDataRoutes(
  scope: FastifyInstance,
  deps: { markets: MarketService; specs: readonly MarketSpec[]; slippageRate: string; lastTrades: LastTrades },
): void {
  const r = scope.withTypeProvider<ZodTypeProvider>();
  const { markets } = deps;
  const base = "/v1beta3/crypto/us";

  const symbolsOf = (text: string): MarketSpec[] =>
    text
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "")
      .map((name) => {
        const spec = findAlpacaMarket(name, deps.specs);
        if (!spec) throw alpacaErrors.badRequest(`invalid symbol: ${name}`);
        return spec;
      });

  const latestTrade = (spec: MarketSpec) => {
    const trade = deps.lastTrades.get(spec.symbol, markets.get(spec.symbol)?.ticker);
    return trade && toAlpacaTrade(trade);
  };
  const latestQuote = (spec: MarketSpec) => {
    const ticker = markets.get(spec.symbol)?.ticker;
    return ticker && toAlpacaQuote(spec, ticker.price, ticker.time, deps.slippageRate);
  };
  const latestBar = async (spec: MarketSpec, interval: CandleInterval, back = 0) => {
    const candles = (await markets.candles(spec.symbol, { interval, limit: back + 1 })) ?? [];
    const candle = candles.at(-1 - back);
    return candle && toAlpacaBar(candle);
  };

  const bySymbol = async <T>(specs: MarketSpec[], value: (spec: MarketSpec) => T | Promise<T>) => {
    const out: Record<string, Awaited<T>> = {};
    for (const spec of specs) {
      const v = await value(spec);
      if (v !== undefined) out[alpacaSymbol(spec)] = v;
    }
    return out;
  };

  r.get(`${base}/bars`, { schema: { querystring: alpacaBarsQuery } }, async (req) => {
    const q = req.query;
    const interval = parseTimeframe(q.timeframe);
    if (!interval)
      throw alpacaErrors.badRequest(
        `invalid timeframe: ${q.timeframe} (1Min, 5Min, 15Min, 1Hour, 4Hour and 1Day are served)`,
      );
    const specs = symbolsOf(q.symbols);
    const now = Date.now();
    const startOfDay = now - (now % 86_400_000);
    const start = q.start ?? startOfDay;
    const end = q.end ?? now;
    if (start > end) throw alpacaErrors.badRequest("start must not be after end");
    const token = q.page_token ? decodeToken(q.page_token) : undefined;
    const bars: Record<string, ReturnType<typeof toAlpacaBar>[]> = {};
    let remaining = q.limit;
    let next: string | null = null;
    for (let i = token?.i ?? 0; i < specs.length; i++) {
      const spec = specs[i] as MarketSpec;
      const resume = token && i === token.i ? token.t : undefined;
      const want = Math.min(remaining + 1, 1500);
      const candles =
        q.sort === "asc"
          ? ((await markets.candles(spec.symbol, { interval, from: resume ?? start, limit: want })) ?? []).filter(
              (c) => c.time <= end,
            )
          : (
              (await markets.candles(spec.symbol, { interval, from: start, to: resume ?? end, limit: want })) ?? []
            ).reverse();
      const page = candles.slice(0, remaining);
      if (page.length > 0) bars[alpacaSymbol(spec)] = page.map(toAlpacaBar);
      remaining -= page.length;
      const after = candles[page.length];
      if (after) {
        next = encodeToken({ i, t: after.time });
        break;
      }
      if (remaining === 0) {
        if (i + 1 < specs.length) next = encodeToken({ i: i + 1, t: q.sort === "asc" ? start : end });
        break;
      }
    }
    return { bars, next_page_token: next };
  });

  r.get(`${base}/latest/trades`, { schema: { querystring: alpacaSymbolsQuery } }, async (req) => ({
    trades: await bySymbol(symbolsOf(req.query.symbols), latestTrade),
  }));

  r.get(`${base}/latest/quotes`, { schema: { querystring: alpacaSymbolsQuery } }, async (req) => ({
    quotes: await bySymbol(symbolsOf(req.query.symbols), latestQuote),
  }));

  r.get(`${base}/latest/bars`, { schema: { querystring: alpacaSymbolsQuery } }, async (req) => ({
    bars: await bySymbol(symbolsOf(req.query.symbols), (spec) => latestBar(spec, "1m")),
  }));

  r.get(`${base}/snapshots`, { schema: { querystring: alpacaSymbolsQuery } }, async (req) => ({
    snapshots: await bySymbol(symbolsOf(req.query.symbols), async (spec) => ({
      latestTrade: latestTrade(spec) ?? null,
      latestQuote: latestQuote(spec) ?? null,
      minuteBar: (await latestBar(spec, "1m")) ?? null,
      dailyBar: (await latestBar(spec, "1d")) ?? null,
      prevDailyBar: (await latestBar(spec, "1d", 1)) ?? null,
    })),
  }));
}
