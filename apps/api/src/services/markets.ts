import type { CandlesQuery, MarketSummary, Ticker, Candle as WireCandle } from "@tradeboard/contracts";
import { candlesChannel, tickerChannel } from "@tradeboard/contracts";
import {
  CANDLE_INTERVALS,
  type Candle,
  CandleBuilder,
  type CandleInterval,
  candleOpenTime,
  Decimal,
  generateHistory,
  INTERVAL_MS,
  type MarketSpec,
  mergeCandles,
  type Tick,
} from "@tradeboard/core";
import { type Db, latestCandle, listCandles, saveCandles } from "@tradeboard/db";
import type { MarketFeed } from "../market/feed.ts";

const DAY_MS = 86_400_000;
const MINUTE_MS = INTERVAL_MS["1m"];

/** The places of a grid step: "0.01" → 2, "1" → 0. */
function placesOf(step: string): number {
  return step.includes(".") ? (step.split(".")[1]?.length ?? 0) : 0;
}

interface MarketState {
  spec: MarketSpec;
  pricePlaces: number;
  volumePlaces: number;
  price: string;
  time: number;
  builders: Map<CandleInterval, CandleBuilder>;
  /** Closed 1-minute candles of the last 24 hours, oldest first. */
  window: Candle[];
  /** Aggregates of `window`, recomputed when a minute closes (not on every tick). */
  windowStats: { open: Decimal; high: Decimal; low: Decimal; volume: Decimal } | null;
  ticker: Ticker;
}

export interface Publisher {
  publish(channel: string, type: "ticker" | "candle", data: unknown): number;
}

export interface MarketServiceDeps {
  db: Db;
  feed: MarketFeed;
  specs: readonly MarketSpec[];
  seed: string;
  backfillDays: number;
  publisher?: Publisher;
  now?: () => number;
  log?: (message: string) => void;
}

/**
 * Owns the live market state: history (backfilled once, gap-filled after a
 * restart), the forming candle of every interval, 24-hour statistics, and the
 * fan-out of every tick to the realtime hub. Closed candles are persisted.
 */
export class MarketService {
  private readonly markets = new Map<string, MarketState>();
  private readonly unsaved: { symbol: string; interval: string; candle: Candle }[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly now: () => number;
  private readonly priceListeners: ((symbol: string, price: string, time: number) => void)[] = [];
  private readonly tradeListeners: ((tick: Tick, ticker: Ticker) => void)[] = [];
  private readonly closedListeners: ((symbol: string, interval: CandleInterval, candle: WireCandle) => void)[] = [];

  constructor(private readonly deps: MarketServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Brings history up to now and prepares live state. Call once before `start`. */
  async init(): Promise<void> {
    for (const spec of this.deps.specs) this.markets.set(spec.symbol, await this.prepare(spec));
  }

  start(): void {
    const lastPrices = new Map([...this.markets].map(([symbol, state]) => [symbol, state.price]));
    this.deps.feed.start((tick) => this.onTick(tick), lastPrices);
    this.flushTimer = setInterval(() => void this.flush(), 1000);
  }

  async stop(): Promise<void> {
    this.deps.feed.stop();
    clearInterval(this.flushTimer);
    await this.flush();
  }

  list(): MarketSummary[] {
    return [...this.markets.values()].map((state) => this.summary(state));
  }

  get(symbol: string): MarketSummary | undefined {
    const state = this.markets.get(symbol);
    return state && this.summary(state);
  }

  /** Called with every trade's price after the market state has taken it in (the order engine listens). */
  onPrice(listener: (symbol: string, price: string, time: number) => void): void {
    this.priceListeners.push(listener);
  }

  /** Every trade of the feed (with its size), after the market state took it in. */
  onTrade(listener: (tick: Tick, ticker: Ticker) => void): void {
    this.tradeListeners.push(listener);
  }

  /** Every candle as it closes. */
  onCandleClosed(listener: (symbol: string, interval: CandleInterval, candle: WireCandle) => void): void {
    this.closedListeners.push(listener);
  }

  lastPrice(symbol: string): string | undefined {
    return this.markets.get(symbol)?.price;
  }

  /** Closed candles from the database, plus the forming one when it falls in the range. */
  async candles(symbol: string, query: CandlesQuery): Promise<WireCandle[] | undefined> {
    const state = this.markets.get(symbol);
    if (!state) return undefined;
    const stored = await listCandles(this.deps.db, { symbol, ...query });
    const result = stored.map((c) => this.format(state, c));
    const current = state.builders.get(query.interval)?.current;
    const wantsCurrent =
      current &&
      (query.to === undefined || current.time <= query.to) &&
      (query.from === undefined || current.time >= query.from) &&
      (result.length === 0 || (result.at(-1)?.time ?? 0) < current.time);
    if (wantsCurrent && !(query.from !== undefined && query.to === undefined && result.length >= query.limit)) {
      result.push(this.format(state, current));
      if (result.length > query.limit) result.shift();
    }
    return result;
  }

  isKnownChannel(channel: string): boolean {
    const [kind, symbol, interval] = channel.split(":");
    if (!symbol || !this.markets.has(symbol)) return false;
    if (kind === "ticker") return interval === undefined;
    return kind === "candles" && (CANDLE_INTERVALS as readonly string[]).includes(interval ?? "");
  }

  snapshot(channel: string): { type: "ticker" | "candle"; data: unknown } | undefined {
    const [kind, symbol, interval] = channel.split(":");
    const state = symbol ? this.markets.get(symbol) : undefined;
    if (!state) return undefined;
    if (kind === "ticker") return { type: "ticker", data: state.ticker };
    const current = state.builders.get(interval as CandleInterval)?.current;
    return current && { type: "candle", data: { ...this.format(state, current), closed: false } };
  }

  private onTick(tick: Tick): void {
    const state = this.markets.get(tick.symbol);
    if (!state || tick.time < state.time) return;
    state.price = tick.price;
    state.time = tick.time;
    const publisher = this.deps.publisher;
    for (const [interval, builder] of state.builders) {
      const { closed, current } = builder.apply(tick);
      for (const candle of closed) {
        this.unsaved.push({ symbol: tick.symbol, interval, candle });
        const wire = this.format(state, candle);
        publisher?.publish(candlesChannel(tick.symbol, interval), "candle", { ...wire, closed: true });
        for (const listener of this.closedListeners) listener(tick.symbol, interval, wire);
        if (interval === "1m") this.slideWindow(state, candle);
      }
      publisher?.publish(candlesChannel(tick.symbol, interval), "candle", {
        ...this.format(state, current),
        closed: false,
      });
    }
    state.ticker = this.computeTicker(state);
    publisher?.publish(tickerChannel(tick.symbol), "ticker", state.ticker);
    for (const listener of this.priceListeners) listener(tick.symbol, tick.price, tick.time);
    for (const listener of this.tradeListeners) listener(tick, state.ticker);
  }

  private slideWindow(state: MarketState, closed: Candle): void {
    state.window.push(closed);
    const cutoff = closed.time + MINUTE_MS - DAY_MS;
    while (state.window.length > 0 && (state.window[0]?.time ?? 0) < cutoff) state.window.shift();
    state.windowStats = statsOf(state.window);
  }

  private computeTicker(state: MarketState): Ticker {
    const current = state.builders.get("1m")?.current;
    const price = new Decimal(state.price);
    const stats = state.windowStats;
    let open = stats?.open ?? new Decimal(current?.open ?? state.price);
    let high = stats?.high ?? price;
    let low = stats?.low ?? price;
    let volume = stats?.volume ?? new Decimal(0);
    if (current) {
      if (!stats) open = new Decimal(current.open);
      high = Decimal.max(high, current.high);
      low = Decimal.min(low, current.low);
      volume = volume.plus(current.volume);
    }
    const change = price.minus(open);
    const percent = open.isZero() ? new Decimal(0) : change.div(open).times(100);
    return {
      symbol: state.spec.symbol,
      price: price.toFixed(state.pricePlaces),
      open24h: open.toFixed(state.pricePlaces),
      high24h: high.toFixed(state.pricePlaces),
      low24h: low.toFixed(state.pricePlaces),
      volume24h: volume.toFixed(state.volumePlaces),
      change24h: change.toFixed(state.pricePlaces),
      changePercent24h: percent.toFixed(2, Decimal.ROUND_HALF_EVEN),
      time: state.time,
    };
  }

  private summary(state: MarketState): MarketSummary {
    const { symbol, base, quote, tickSize, lotSize, minNotional } = state.spec;
    return { symbol, base, quote, tickSize, lotSize, minNotional, ticker: state.ticker };
  }

  private format(state: MarketState, candle: Candle): WireCandle {
    const p = state.pricePlaces;
    return {
      time: candle.time,
      open: new Decimal(candle.open).toFixed(p),
      high: new Decimal(candle.high).toFixed(p),
      low: new Decimal(candle.low).toFixed(p),
      close: new Decimal(candle.close).toFixed(p),
      volume: new Decimal(candle.volume).toFixed(state.volumePlaces),
    };
  }

  /** History up to the current minute (generated once, then only the gap since the last run), and live state. */
  private async prepare(spec: MarketSpec): Promise<MarketState> {
    const { db } = this.deps;
    const now = this.now();
    const currentMinute = candleOpenTime(now, "1m");
    const latest = await latestCandle(db, { symbol: spec.symbol, interval: "1m" });
    const from = latest ? latest.time + MINUTE_MS : candleOpenTime(now - this.deps.backfillDays * DAY_MS, "1d");

    if (from < currentMinute) {
      const started = Date.now();
      const { candles: generated } = generateHistory(spec, {
        seed: `${this.deps.seed}:${spec.symbol}:${from}`,
        fromMs: from,
        toMs: currentMinute,
        startPrice: latest?.close,
      });
      // The coarser candle that straddles `from` also needs the minutes stored before it.
      const before = latest
        ? (
            await listCandles(db, {
              symbol: spec.symbol,
              interval: "1m",
              from: candleOpenTime(from, "1d"),
              limit: 1440,
            })
          ).filter((c) => c.time < from)
        : [];
      const minutes = [...before, ...generated];
      const rows: { symbol: string; interval: string; candle: Candle }[] = generated.map((candle) => ({
        symbol: spec.symbol,
        interval: "1m",
        candle,
      }));
      for (const interval of CANDLE_INTERVALS) {
        if (interval === "1m") continue;
        const firstOpen = candleOpenTime(from, interval);
        for (const candle of mergeCandles(minutes, interval)) {
          const isClosed = candle.time + INTERVAL_MS[interval] <= currentMinute;
          if (isClosed && candle.time >= firstOpen) rows.push({ symbol: spec.symbol, interval, candle });
        }
      }
      await db.transaction((tx) => saveCandles(tx, rows));
      this.deps.log?.(
        `${spec.symbol}: ${latest ? "filled the gap with" : "backfilled"} ${generated.length} one-minute candles (${rows.length} rows in ${Date.now() - started} ms)`,
      );
    }

    const window = await listCandles(db, {
      symbol: spec.symbol,
      interval: "1m",
      from: currentMinute - DAY_MS,
      limit: 1440,
    });
    const builders = new Map<CandleInterval, CandleBuilder>();
    for (const interval of CANDLE_INTERVALS) {
      const open = candleOpenTime(now, interval);
      const partial =
        interval === "1m"
          ? undefined
          : mergeCandles(
              window.filter((c) => c.time >= open),
              interval,
            )[0];
      builders.set(interval, new CandleBuilder(interval, partial));
    }
    const last = window.at(-1);
    const state: MarketState = {
      spec,
      pricePlaces: placesOf(spec.tickSize),
      volumePlaces: placesOf(spec.lotSize),
      price: last?.close ?? spec.initialPrice,
      time: last ? last.time + MINUTE_MS - 1 : now,
      builders,
      window,
      windowStats: statsOf(window),
      ticker: undefined as unknown as Ticker,
    };
    state.ticker = this.computeTicker(state);
    return state;
  }

  /** Writes the candles closed since the last write (every second on its own, and on stop). */
  flush(): Promise<void> {
    if (this.unsaved.length === 0) return this.flushing;
    const batch = this.unsaved.splice(0);
    this.flushing = this.flushing
      .then(() => saveCandles(this.deps.db, batch))
      .catch((error: unknown) => {
        // Keep them for the next attempt; the live state is unaffected.
        this.unsaved.unshift(...batch);
        this.deps.log?.(`saving candles failed: ${(error as Error).message}`);
      });
    return this.flushing;
  }
}

function statsOf(window: readonly Candle[]): MarketState["windowStats"] {
  const first = window[0];
  if (!first) return null;
  let high = new Decimal(first.high);
  let low = new Decimal(first.low);
  let volume = new Decimal(0);
  for (const c of window) {
    high = Decimal.max(high, c.high);
    low = Decimal.min(low, c.low);
    volume = volume.plus(c.volume);
  }
  return { open: new Decimal(first.open), high, low, volume };
}
