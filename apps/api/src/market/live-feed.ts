import type { Candle, Tick } from "@tradeboard/core";
import WebSocket from "ws";
import type { FeedConnection, FeedHooks, FeedKind, MarketFeed, MarketStatus, StaleReason } from "./feed.ts";
import { type BookSnapshot, OrderBook } from "./order-book.ts";
import type { VenueMarket } from "./symbols.ts";

export interface LiveFeedOptions {
  markets: readonly VenueMarket[];
  /** Overrides the venue's WebSocket and REST endpoints (MARKET_WS_URL, MARKET_REST_URL). */
  wsUrl?: string;
  restUrl?: string;
  /** A market with no message for this long is stale (MARKET_STALE_SECONDS). */
  staleMs: number;
  now?: () => number;
  /** For the reconnect jitter; tests fix it. */
  random?: () => number;
  log?: (level: "info" | "warn", message: string) => void;
  /** Reconnect back-off: base × 2^attempt, capped, times a jitter of 50–100 %. */
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  /** Least time between two REST calls (the venue's public rate limit). */
  restIntervalMs?: number;
  /** Overall deadline of one REST call. */
  requestTimeoutMs?: number;
  /** How often the stale check runs on its own; 0 turns the timer off (tests call `checkStale()`). */
  checkIntervalMs?: number;
  /** Book depth kept per side for snapshots. */
  bookDepth?: number;
  /** Overrides the venue's connection lifetime limit (tests). */
  maxConnectionMs?: number;
  /** Overrides the venue's application-level ping interval (tests). */
  pingIntervalMs?: number;
}

interface LiveMarket {
  market: VenueMarket;
  lastMessage: number;
  stale: boolean;
  reason: StaleReason | null;
  /** Set while a gap in this market's data is being repaired; the market stays stale until it clears. */
  resync: string | null;
  book: OrderBook;
  bookValid: boolean;
}

/** A malformed or unexpected message: skipped and counted, never thrown out of the socket handler. */
export class MalformedMessage extends Error {}

/**
 * What the three venue adapters share: one WebSocket with reconnect (back-off
 * and jitter), per-market staleness, resync bookkeeping, rate-limited logging
 * of malformed messages, and throttled REST calls with an overall deadline.
 * A subclass subscribes on open, parses messages and pages the venue's candles.
 */
export abstract class LiveFeed implements MarketFeed {
  abstract readonly kind: FeedKind;
  abstract readonly source: string;
  protected readonly markets = new Map<string, LiveMarket>();
  protected readonly now: () => number;
  protected ws: WebSocket | undefined;
  private emitTick: ((tick: Tick) => void) | undefined;
  private hooks: FeedHooks = {};
  private stopped = true;
  private attempt = 0;
  private everConnected = false;
  private lastAny = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private checkTimer: NodeJS.Timeout | undefined;
  private extraTimers = new Set<NodeJS.Timeout>();
  private restChain: Promise<unknown> = Promise.resolve();
  private lastRestCall = 0;
  private malformedCount = 0;
  private malformedLoggedAt = Number.NEGATIVE_INFINITY;
  private connectionState: FeedConnection = { state: "connecting", message: null };
  /** Messages handled since start (the bench reads it). */
  messages = 0;

  constructor(protected readonly options: LiveFeedOptions) {
    this.now = options.now ?? Date.now;
    for (const market of options.markets) {
      this.markets.set(market.symbol, {
        market,
        lastMessage: 0,
        stale: true,
        reason: "connecting",
        resync: null,
        book: new OrderBook(market.symbol),
        bookValid: false,
      });
    }
  }

  /** The venue's default public endpoints. */
  protected abstract readonly defaultWsUrl: string;
  protected abstract readonly defaultRestUrl: string;
  /** The URL to connect to (Binance names its streams in it). */
  protected wsUrl(): string {
    return this.options.wsUrl ?? this.defaultWsUrl;
  }
  protected get restUrl(): string {
    return (this.options.restUrl ?? this.defaultRestUrl).replace(/\/$/, "");
  }
  /** Sends the subscriptions; called on every (re)connect. */
  protected abstract subscribe(ws: WebSocket): void;
  /** Parses and applies one message; throws MalformedMessage (or anything) to have it skipped and counted. */
  protected abstract handle(text: string): void;
  abstract venueSymbol(market: VenueMarket): string;
  abstract history(symbol: string, fromMs: number, toMs: number): Promise<Candle[]>;
  /** Longest a connection may live before the venue drops it (Binance: 24 h); reconnect a little before. */
  protected readonly maxConnectionMs: number | undefined = undefined;
  /** Application-level ping, for venues that want one. */
  protected readonly pingIntervalMs: number | undefined = undefined;
  protected ping(_ws: WebSocket): void {}

  venueMarket(symbol: string): { venueSymbol: string; quote: string } | undefined {
    const live = this.markets.get(symbol);
    return live && { venueSymbol: this.venueSymbol(live.market), quote: live.market.quote };
  }

  book(symbol: string, depth = this.options.bookDepth ?? 10): BookSnapshot | undefined {
    const live = this.markets.get(symbol);
    if (!live?.bookValid || live.resync) return undefined;
    return live.book.snapshot(depth);
  }

  status(symbol: string): MarketStatus | undefined {
    const live = this.markets.get(symbol);
    return live && { stale: live.stale, reason: live.reason };
  }

  get connection(): FeedConnection {
    return this.connectionState;
  }

  start(emit: (tick: Tick) => void, _lastPrices?: ReadonlyMap<string, string>, hooks: FeedHooks = {}): void {
    this.emitTick = emit;
    this.hooks = hooks;
    this.stopped = false;
    const every = this.options.checkIntervalMs ?? 1000;
    if (every > 0) this.checkTimer = setInterval(() => this.checkStale(), every).unref();
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.checkTimer);
    for (const timer of this.extraTimers) clearTimeout(timer);
    this.extraTimers.clear();
    const ws = this.ws;
    this.ws = undefined;
    ws?.removeAllListeners();
    ws?.on("error", () => {});
    ws?.terminate();
  }

  /**
   * Marks markets stale after MARKET_STALE_SECONDS without a message, and ends
   * a connection that has been silent for three times as long (a half-open
   * socket never closes by itself).
   */
  checkStale(): void {
    const now = this.now();
    for (const live of this.markets.values()) {
      if (!live.stale && now - live.lastMessage >= this.options.staleMs) this.setStale(live, "no_data");
    }
    if (this.ws?.readyState === WebSocket.OPEN && now - this.lastAny >= Math.max(3 * this.options.staleMs, 30_000)) {
      this.log("warn", `${this.source}: no message for ${Math.round((now - this.lastAny) / 1000)} s; reconnecting`);
      this.ws.terminate();
    }
  }

  // --- for the adapters ------------------------------------------------------------------

  protected live(symbol: string): LiveMarket | undefined {
    return this.markets.get(symbol);
  }

  /** A message about this market arrived: it is fresh again unless a repair is under way. */
  protected touch(live: LiveMarket): void {
    live.lastMessage = this.now();
    if (live.stale && !live.resync) this.setFresh(live);
  }

  /** A connection-level message (a heartbeat) proves every market's data is current. */
  protected touchAll(): void {
    for (const live of this.markets.values()) this.touch(live);
  }

  protected trade(live: LiveMarket, price: string, quantity: string, time: number): void {
    this.emitTick?.({ symbol: live.market.symbol, price, quantity, time });
  }

  /** A gap in this market's data: stale (ticks still flow but fire nothing) until `endResync`. */
  protected beginResync(live: LiveMarket, why: string): void {
    if (!live.resync) this.log("warn", `${this.source} ${live.market.symbol}: ${why}; resynchronising`);
    live.resync = why;
    live.bookValid = false;
    this.setStale(live, "resync");
  }

  protected endResync(live: LiveMarket): void {
    live.resync = null;
    live.bookValid = true;
    live.book.time = this.now();
    this.touch(live);
  }

  /** Trades were missed since `since` (the venue's trade ids jumped): the venue's candles replace those minutes. */
  protected missedTrades(live: LiveMarket, since: number, why: string): void {
    this.log("warn", `${this.source} ${live.market.symbol}: ${why}; its candles will be fetched again`);
    this.hooks.gap?.(live.market.symbol, since);
  }

  /** A gap on the whole connection (Coinbase's sequence numbers): every market resyncs on a new connection. */
  protected reconnectForResync(why: string): void {
    for (const live of this.markets.values()) this.beginResync(live, why);
    const ws = this.ws;
    if (!ws) return;
    ws.terminate();
  }

  protected malformed(detail: string): void {
    this.malformedCount++;
    const now = this.now();
    // At most one line per 10 s, with the count since the last one.
    if (now - this.malformedLoggedAt < 10_000) return;
    this.log(
      "warn",
      `${this.source}: skipped ${this.malformedCount} malformed message(s); last: ${detail.slice(0, 200)}`,
    );
    this.malformedCount = 0;
    this.malformedLoggedAt = now;
  }

  protected send(message: unknown): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  protected later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.extraTimers.delete(timer);
      if (!this.stopped) run();
    }, ms);
    timer.unref();
    this.extraTimers.add(timer);
  }

  protected log(level: "info" | "warn", message: string): void {
    this.options.log?.(level, message);
  }

  /**
   * GET a venue REST path as JSON, one call at a time and no faster than the
   * venue's limit, with an overall deadline. Non-2xx answers throw with the status.
   */
  protected getJson(path: string, parse: (text: string) => unknown = JSON.parse): Promise<unknown> {
    const call = this.restChain.then(async () => {
      const wait = this.lastRestCall + (this.options.restIntervalMs ?? 0) - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      this.lastRestCall = Date.now();
      const response = await fetch(`${this.restUrl}${path}`, {
        signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 10_000),
        headers: { accept: "application/json" },
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${this.source} answered ${response.status} to ${path.split("?")[0]}`);
      return parse(text);
    });
    this.restChain = call.catch(() => {});
    return call;
  }

  // --- connection ------------------------------------------------------------------------

  private connect(): void {
    if (this.stopped) return;
    this.setConnection({ state: this.everConnected ? "connecting" : this.connectionState.state, message: null });
    const ws = new WebSocket(this.wsUrl(), { handshakeTimeout: 10_000 });
    this.ws = ws;
    let pingTimer: NodeJS.Timeout | undefined;
    let recycleTimer: NodeJS.Timeout | undefined;
    let failure = "";
    ws.on("open", () => {
      this.everConnected = true;
      this.lastAny = this.now();
      this.setConnection({ state: "connected", message: null });
      this.log("info", `${this.source}: connected to ${this.wsUrl().split("?")[0]}`);
      try {
        this.subscribe(ws);
      } catch (error) {
        this.log("warn", `${this.source}: subscribing failed: ${(error as Error).message}`);
      }
      const pingEvery = this.options.pingIntervalMs ?? this.pingIntervalMs;
      if (pingEvery) pingTimer = setInterval(() => this.ping(ws), pingEvery).unref();
      const lifetime = this.options.maxConnectionMs ?? this.maxConnectionMs;
      if (lifetime) {
        recycleTimer = setTimeout(() => {
          this.log("info", `${this.source}: renewing the connection before the venue's limit`);
          ws.close(1000);
        }, lifetime).unref();
      }
    });
    ws.on("message", (data) => {
      // Frames already read when a resync ended this connection belong to the old stream.
      if (this.ws !== ws || ws.readyState !== WebSocket.OPEN) return;
      this.lastAny = this.now();
      this.messages++;
      try {
        this.handle(data.toString());
        // Data flows: a later drop starts its back-off from the beginning.
        this.attempt = 0;
      } catch (error) {
        this.malformed((error as Error).message);
      }
    });
    ws.on("error", (error) => {
      failure = (error as NodeJS.ErrnoException).code ?? error.message;
    });
    ws.on("close", (code) => {
      clearInterval(pingTimer);
      clearTimeout(recycleTimer);
      if (this.ws !== ws) return;
      this.ws = undefined;
      for (const live of this.markets.values()) {
        live.bookValid = false;
        if (!live.stale) this.setStale(live, "disconnected");
      }
      if (this.stopped) return;
      const delay = this.backoff();
      const why = failure || `closed (${code})`;
      if (!this.everConnected || this.attempt >= 3) {
        for (const live of this.markets.values()) if (live.reason !== "resync") this.setStale(live, "unreachable");
        this.setConnection({
          state: "unreachable",
          message: `${this.source} is unreachable (${why}); retrying in ${Math.ceil(delay / 1000)} s`,
        });
      } else {
        this.setConnection({ state: "connecting", message: `${this.source}: connection ${why}; reconnecting` });
      }
      this.log("warn", `${this.source}: connection ${why}; reconnecting in ${delay} ms`);
      this.attempt++;
      this.reconnectTimer = setTimeout(() => this.connect(), delay);
      this.reconnectTimer.unref();
    });
  }

  private backoff(): number {
    const base = this.options.reconnectBaseMs ?? 1_000;
    const max = this.options.reconnectMaxMs ?? 60_000;
    const capped = Math.min(max, base * 2 ** Math.min(this.attempt, 16));
    return Math.round(capped * (0.5 + (this.options.random ?? Math.random)() / 2));
  }

  private setStale(live: LiveMarket, reason: StaleReason): void {
    const changed = !live.stale || live.reason !== reason;
    live.stale = true;
    live.reason = reason;
    if (changed) this.hooks.status?.(live.market.symbol, { stale: true, reason });
  }

  private setFresh(live: LiveMarket): void {
    live.stale = false;
    live.reason = null;
    this.hooks.status?.(live.market.symbol, { stale: false, reason: null });
  }

  private setConnection(connection: FeedConnection): void {
    const changed =
      connection.state !== this.connectionState.state || connection.message !== this.connectionState.message;
    this.connectionState = connection;
    if (changed) this.hooks.connection?.(connection);
  }
}

// --- parsing helpers shared by the adapters ---------------------------------------------

const DECIMAL = /^\d{1,20}(\.\d{1,20})?$/;

/** A venue decimal string (price or quantity), checked; throws MalformedMessage otherwise. */
export function decimalField(value: unknown, name: string): string {
  if (typeof value !== "string" || !DECIMAL.test(value)) {
    throw new MalformedMessage(`${name} is not a decimal string: ${JSON.stringify(value)?.slice(0, 40)}`);
  }
  return value;
}

export function objectField(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new MalformedMessage(`${name} is not an object`);
  }
  return value as Record<string, unknown>;
}

export function arrayField(value: unknown, name: string): unknown[] {
  if (!Array.isArray(value)) throw new MalformedMessage(`${name} is not an array`);
  return value;
}

const ISO_UTC = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/;

/** RFC 3339 in UTC with any number of fractional digits ("2023-02-09T20:32:50.714964855Z") → ms. */
export function isoMs(value: unknown, name: string): number {
  if (typeof value !== "string") throw new MalformedMessage(`${name} is not a timestamp`);
  const m = ISO_UTC.exec(value);
  if (m) {
    const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, "0")) : 0;
    return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms);
  }
  const parsed = Date.parse(value.replace(/(\.\d{3})\d+/, "$1"));
  if (!Number.isFinite(parsed)) throw new MalformedMessage(`${name} is not a timestamp: ${value.slice(0, 40)}`);
  return parsed;
}
