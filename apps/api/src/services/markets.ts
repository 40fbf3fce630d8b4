import type { CandlesQuery, FeedStatus, MarketSummary, Ticker, Candle as WireCandle } from "@tradeboard/contracts";
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
import type { FeedConnection, MarketFeed, StaleReason } from "../market/feed.ts";

const DAY_MS = 86_400_000;
const MINUTE_MS = INTERVAL_MS["1m"];
/** The most one-minute candles a gap-fill transaction writes (a UTC day). */
export const GAP_FILL_BATCH_MINUTES = 1440;

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
  /** No fresh data from the venue (simulated markets never are). Ticks still move the price and candles, but fire nothing. */
  stale: boolean;
  staleReason: StaleReason | null;
  /** Open time of the first minute whose candles must come again from the venue (after a disconnect, a resync or a failed backfill). */
  gapFrom: number | null;
  /** The gap is data lost on a live connection (not the first backfill): the market stays stale while it is repaired. */
  gapLost: boolean;
  repairing: boolean;
  /**
   * Minutes that lost trades but were still forming when repaired (the minute
   * the data came back in, or one whose trade ids jumped): from this open
   * time, fetched again from the venue at `recheckAt`, once they have closed.
   */
  recheckFrom: number | null;
  recheckAt: number | null;
}

/** How long after a minute closes its candle is asked of the venue (its candles settle a few seconds late). */
export const RECHECK_DELAY_MS = 10_000;

const STALE_TEXT: Record<StaleReason, string> = {
  connecting: "has not sent data yet",
  unreachable: "is unreachable",
  disconnected: "disconnected",
  no_data: "sent nothing recently",
  resync: "is being resynchronised after a gap",
};

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
  private connection: FeedConnection = { state: "connected", message: null };
  private repairs: Promise<void> = Promise.resolve();
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;
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
    this.deps.feed.start((tick) => this.onTick(tick), lastPrices, {
      status: (symbol, status) => this.onStatus(symbol, status.stale, status.reason),
      gap: (symbol, since) => {
        const state = this.markets.get(symbol);
        if (state) this.scheduleRecheck(state, candleOpenTime(since, "1m"));
      },
      connection: (connection) => {
        this.connection = connection;
      },
    });
    this.flushTimer = setInterval(() => void this.flush(), 1000);
    // A live feed's history comes from the venue, in the background: the api serves what it has meanwhile.
    for (const state of this.markets.values()) if (state.gapFrom !== null) this.repair(state);
    if (this.deps.feed.history) {
      this.retryTimer = setInterval(() => {
        for (const state of this.markets.values()) {
          if (state.gapFrom !== null && !state.stale) this.repair(state);
          this.recheckIfDue(state);
        }
      }, 30_000).unref();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.deps.feed.stop();
    clearInterval(this.flushTimer);
    clearInterval(this.retryTimer);
    await this.repairs;
    await this.flush();
  }

  /** Where prices come from and whether the venue answers (for the page's live indicator). */
  feedStatus(): FeedStatus {
    const { kind, source } = this.deps.feed;
    return { kind, source, state: this.connection.state, message: this.connection.message };
  }

  /** Why new market orders on this market must wait, or undefined when its prices are fresh. */
  staleReason(symbol: string): string | undefined {
    const state = this.markets.get(symbol);
    if (!state?.stale) return undefined;
    const why = state.staleReason ? STALE_TEXT[state.staleReason] : STALE_TEXT.resync;
    return `${symbol} has no fresh prices: ${this.deps.feed.source} ${why}. Market orders resume when prices are fresh again.`;
  }

  /** Resolves when every history repair started so far has finished (tests wait on it). */
  repaired(): Promise<void> {
    return this.repairs;
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

  private onStatus(symbol: string, stale: boolean, reason: StaleReason | null): void {
    const state = this.markets.get(symbol);
    if (!state) return;
    const wasStale = state.stale;
    state.staleReason = reason;
    // Data lost while disconnected or out of sync: the venue's candles replace those minutes.
    if (stale && (reason === "disconnected" || reason === "resync")) {
      state.gapFrom ??= candleOpenTime(state.time, "1m");
      state.gapLost = true;
    }
    // Only data lost on the connection keeps a market stale while it is repaired; the first backfill does not.
    state.stale = stale || (state.repairing && state.gapLost);
    if (!stale && state.gapFrom !== null) {
      // The minute the data came back in lost its first trades too: asked again once it has closed.
      if (state.gapLost) this.scheduleRecheck(state, candleOpenTime(this.now(), "1m"));
      this.repair(state);
    }
    if (state.stale !== wasStale) {
      this.deps.log?.(`${symbol}: ${state.stale ? `stale (${reason})` : "fresh"} on ${this.deps.feed.source}`);
      this.publishTicker(state);
    }
  }

  private publishTicker(state: MarketState): void {
    state.ticker = this.computeTicker(state);
    this.deps.publisher?.publish(tickerChannel(state.spec.symbol), "ticker", state.ticker);
  }

  private scheduleRecheck(state: MarketState, fromMinute: number): void {
    state.recheckFrom = Math.min(state.recheckFrom ?? fromMinute, fromMinute);
    state.recheckAt = candleOpenTime(this.now(), "1m") + MINUTE_MS + RECHECK_DELAY_MS;
  }

  /** Once the minutes that lost trades have closed, their candles come from the venue (prices stay usable meanwhile). */
  private recheckIfDue(state: MarketState): void {
    if (state.recheckAt === null || state.recheckFrom === null || this.now() < state.recheckAt) return;
    if (state.repairing || state.stale) return;
    state.gapFrom = Math.min(state.gapFrom ?? state.recheckFrom, state.recheckFrom);
    state.recheckFrom = null;
    state.recheckAt = null;
    this.repair(state);
  }

  /**
   * Fetches the venue's candles from `gapFrom` to the current minute and
   * stores them (they replace what was built from the trades seen around the
   * gap), then resumes the forming candles from the stored minutes. The market
   * is stale while this runs; a failure keeps the gap for the next attempt.
   */
  private repair(state: MarketState): void {
    const history = this.deps.feed.history?.bind(this.deps.feed);
    if (!history || state.repairing) return;
    state.repairing = true;
    // The first backfill leaves live prices usable; data lost on the connection does not.
    if (state.gapLost && !state.stale) {
      state.stale = true;
      this.publishTicker(state);
    }
    const symbol = state.spec.symbol;
    this.repairs = this.repairs
      .then(async () => {
        const from = state.gapFrom;
        const to = candleOpenTime(this.now(), "1m");
        if (from === null || this.stopped) return;
        if (from < to) {
          await this.flush();
          const candles = await history(symbol, from, to);
          await this.fillHistory(state.spec, { from, to, latest: null }, async () => candles);
          await this.fillCoarse(symbol, from, Math.min(to, candles[0]?.time ?? to), to);
          await this.resume(state);
        }
        if (state.gapFrom === from) {
          state.gapFrom = null;
          state.gapLost = false;
        }
      })
      .catch((error: unknown) => {
        this.deps.log?.(
          `${symbol}: candles from ${this.deps.feed.source} not fetched (${(error as Error).message}); retrying later`,
        );
      })
      .finally(() => {
        state.repairing = false;
        const feedStale = state.staleReason !== null;
        if (state.stale && !feedStale) {
          state.stale = false;
          this.deps.log?.(`${symbol}: fresh on ${this.deps.feed.source}`);
          this.publishTicker(state);
        }
      });
  }

  /**
   * Where the venue's one-minute history starts after `from` (Kraken keeps 720
   * minutes), the charts of coarser intervals come from the venue's own
   * candles of those intervals: every one that opens before the one-minute
   * coverage and has closed by `to` (it replaces one merged from the few
   * minutes there are).
   */
  private async fillCoarse(symbol: string, from: number, covered: number, to: number): Promise<void> {
    const coarse = this.deps.feed.coarseHistory?.bind(this.deps.feed);
    if (!coarse || covered <= from + MINUTE_MS) return;
    const rows: { symbol: string; interval: string; candle: Candle }[] = [];
    for (const interval of CANDLE_INTERVALS) {
      if (interval === "1m") continue;
      for (const candle of await coarse(symbol, interval, candleOpenTime(from, interval), covered)) {
        if (candle.time + INTERVAL_MS[interval] <= to) rows.push({ symbol, interval, candle });
      }
    }
    if (rows.length > 0) await this.deps.db.transaction((tx) => saveCandles(tx, rows));
    this.deps.log?.(
      `${symbol}: ${rows.length} coarser candles from ${this.deps.feed.source} before ${new Date(covered).toISOString()}`,
    );
  }

  /** Rebuilds the forming candles and the 24-hour window from the stored minutes (after a repair rewrote them). */
  private async resume(state: MarketState): Promise<void> {
    await this.flush();
    const symbol = state.spec.symbol;
    const now = this.now();
    const currentMinute = candleOpenTime(now, "1m");
    const window = await listCandles(this.deps.db, {
      symbol,
      interval: "1m",
      from: currentMinute - DAY_MS,
      to: currentMinute - MINUTE_MS,
      limit: 1440,
    });
    const forming = state.builders.get("1m")?.current;
    const live = forming && forming.time >= currentMinute ? forming : undefined;
    for (const interval of CANDLE_INTERVALS) {
      if (interval === "1m") {
        state.builders.set("1m", new CandleBuilder("1m", live));
        continue;
      }
      const open = candleOpenTime(now, interval);
      const minutes = window.filter((c) => c.time >= open);
      const partial = mergeCandles(live ? [...minutes, live] : minutes, interval)[0];
      state.builders.set(interval, new CandleBuilder(interval, partial));
    }
    state.window = window;
    state.windowStats = statsOf(window);
    const last = window.at(-1);
    if (!live && last && last.time + MINUTE_MS - 1 > state.time) {
      state.price = last.close;
      state.time = last.time + MINUTE_MS - 1;
    }
    this.publishTicker(state);
  }

  private onTick(tick: Tick): void {
    const state = this.markets.get(tick.symbol);
    if (!state || tick.time < state.time) return;
    if (state.recheckAt !== null) this.recheckIfDue(state);
    state.price = tick.price;
    state.time = tick.time;
    const publisher = this.deps.publisher;
    for (const [interval, builder] of state.builders) {
      const { closed, current } = builder.apply(tick);
      for (const candle of closed) {
        this.unsaved.push({ symbol: tick.symbol, interval, candle });
        const wire = this.format(state, candle);
        publisher?.publish(candlesChannel(tick.symbol, interval), "candle", { ...wire, closed: true });
        this.tell(this.closedListeners, tick.symbol, interval, wire);
        if (interval === "1m") this.slideWindow(state, candle);
      }
      publisher?.publish(candlesChannel(tick.symbol, interval), "candle", {
        ...this.format(state, current),
        closed: false,
      });
    }
    state.ticker = this.computeTicker(state);
    publisher?.publish(tickerChannel(tick.symbol), "ticker", state.ticker);
    // Trades are passed on as the ticker is (the Alpaca data stream mirrors it)...
    this.tell(this.tradeListeners, tick, state.ticker);
    // ...but resting orders and alerts never fire on a stale market's prices (they may be out of date or incomplete).
    if (state.stale) return;
    this.tell(this.priceListeners, tick.symbol, tick.price, tick.time);
  }

  /** Calls every listener; one that throws is logged and never keeps the tick from the others (or the feed). */
  private tell<A extends unknown[]>(listeners: readonly ((...args: A) => void)[], ...args: A): void {
    for (const listener of listeners) {
      try {
        listener(...args);
      } catch (error) {
        this.deps.log?.(`a market listener failed: ${(error as Error).message}`);
      }
    }
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
      stale: state.stale,
    };
  }

  private summary(state: MarketState): MarketSummary {
    const { symbol, base, quote, tickSize, lotSize, minNotional } = state.spec;
    const { kind, source } = this.deps.feed;
    const venue = this.deps.feed.venueMarket?.(symbol);
    return {
      symbol,
      base,
      quote,
      tickSize,
      lotSize,
      minNotional,
      ticker: state.ticker,
      source: { kind, name: source, venueSymbol: venue?.venueSymbol ?? symbol, quote: venue?.quote ?? quote },
      stale: state.stale,
      staleReason: state.stale ? (state.staleReason ?? "resync") : null,
    };
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

  /**
   * History up to the current minute: generated once, then only the gap since
   * the last run, never further back than the backfill window, written one day
   * at a time (its own transaction each) with progress in the log.
   */
  private async prepare(spec: MarketSpec): Promise<MarketState> {
    const { db } = this.deps;
    const now = this.now();
    const currentMinute = candleOpenTime(now, "1m");
    const latest = await latestCandle(db, { symbol: spec.symbol, interval: "1m" });
    const windowStart = candleOpenTime(now - this.deps.backfillDays * DAY_MS, "1d");
    let from = latest ? latest.time + MINUTE_MS : windowStart;
    if (from < windowStart) {
      this.deps.log?.(
        `${spec.symbol}: skipped ${(windowStart - from) / MINUTE_MS} missing minutes older than the ${this.deps.backfillDays}-day backfill window`,
      );
      from = windowStart;
    }
    // A venue's candles are fetched in the background once started (`repair`); the simulator's are generated now.
    const live = this.deps.feed.history !== undefined;
    if (from < currentMinute && !live) await this.fillHistory(spec, { from, to: currentMinute, latest });

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
      // A venue stamps trades with its own clock, a little behind ours: accept the whole current minute.
      time: last ? last.time + MINUTE_MS - 1 : live ? currentMinute - 1 : now,
      builders,
      window,
      windowStats: statsOf(window),
      ticker: undefined as unknown as Ticker,
      stale: live,
      staleReason: live ? "connecting" : null,
      gapFrom: live && from < currentMinute ? from : null,
      gapLost: false,
      repairing: false,
      recheckFrom: null,
      recheckAt: null,
    };
    state.ticker = this.computeTicker(state);
    return state;
  }

  /**
   * Writes the one-minute candles of [from, to) and the coarser candles they
   * close, in batches of at most GAP_FILL_BATCH_MINUTES minutes that never
   * cross a UTC day (so every coarser candle of a batch is whole in it), one
   * transaction each: a long pause is many short transactions, not one huge one.
   */
  private async fillHistory(
    spec: MarketSpec,
    range: { from: number; to: number; latest: Candle | null },
    /** The venue's minutes of [from, to) (absent: the simulator generates them). */
    source?: () => Promise<Candle[]>,
  ): Promise<void> {
    const fetched = source ? await source() : undefined;
    const { db } = this.deps;
    const started = Date.now();
    const total = (range.to - range.from) / MINUTE_MS;
    let done = 0;
    let rowsWritten = 0;
    let startPrice = range.latest?.close;
    for (let batchStart = range.from; batchStart < range.to; ) {
      const batchEnd = Math.min(
        range.to,
        batchStart + GAP_FILL_BATCH_MINUTES * MINUTE_MS,
        candleOpenTime(batchStart, "1d") + DAY_MS,
      );
      let generated: Candle[];
      if (fetched) {
        generated = fetched.filter((c) => c.time >= batchStart && c.time < batchEnd);
      } else {
        const history = generateHistory(spec, {
          seed: `${this.deps.seed}:${spec.symbol}:${batchStart}`,
          fromMs: batchStart,
          toMs: batchEnd,
          startPrice,
        });
        generated = history.candles;
        startPrice = history.lastPrice;
      }
      // A coarser candle that straddles the batch's start also needs the minutes stored before it (same day).
      const dayStart = candleOpenTime(batchStart, "1d");
      const before =
        batchStart > dayStart
          ? (
              await listCandles(db, {
                symbol: spec.symbol,
                interval: "1m",
                from: dayStart,
                to: batchStart - MINUTE_MS,
                limit: 1440,
              })
            ).filter((c) => c.time < batchStart)
          : [];
      // The venue's minutes replace any stored ones of the batch (built from the trades seen around a gap).
      const minutes = [...before, ...generated];
      const rows: { symbol: string; interval: string; candle: Candle }[] = generated.map((candle) => ({
        symbol: spec.symbol,
        interval: "1m",
        candle,
      }));
      for (const interval of CANDLE_INTERVALS) {
        if (interval === "1m") continue;
        const firstOpen = candleOpenTime(batchStart, interval);
        for (const candle of mergeCandles(minutes, interval)) {
          const isClosed = candle.time + INTERVAL_MS[interval] <= range.to;
          if (isClosed && candle.time >= firstOpen) rows.push({ symbol: spec.symbol, interval, candle });
        }
      }
      await db.transaction((tx) => saveCandles(tx, rows));
      done += (batchEnd - batchStart) / MINUTE_MS;
      rowsWritten += rows.length;
      this.deps.log?.(
        `${spec.symbol}: gap fill ${new Date(batchStart).toISOString().slice(0, 10)}: ${done}/${total} minutes (${rowsWritten} rows, ${Date.now() - started} ms)`,
      );
      batchStart = batchEnd;
    }
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
