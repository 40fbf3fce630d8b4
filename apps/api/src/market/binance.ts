import type { Candle } from "@tradeboard/core";
import type WebSocket from "ws";
import {
  arrayField,
  decimalField,
  LiveFeed,
  type LiveFeedOptions,
  MalformedMessage,
  objectField,
} from "./live-feed.ts";
import type { VenueMarket } from "./symbols.ts";

const MINUTE = 60_000;
/** klines answers at most 1000 rows a call. */
const KLINES_PER_PAGE = 1000;
/** Events kept while the depth snapshot is on its way; more means the snapshot is hopelessly late. */
const MAX_BUFFERED = 1000;
const SNAPSHOT_LIMIT = 1000;

interface DepthEvent {
  first: number;
  final: number;
  bids: unknown[];
  asks: unknown[];
}

interface DepthState {
  synced: boolean;
  lastUpdateId: number;
  buffer: DepthEvent[];
  /** Counts snapshot requests, so an answer to an abandoned one is ignored. */
  generation: number;
}

function updateId(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new MalformedMessage(`${name} is not an update id`);
  }
  return value;
}

/**
 * Binance spot market streams: one combined-stream connection
 * (`/stream?streams=btcusdt@trade/btcusdt@bookTicker/btcusdt@depth@100ms/...`,
 * messages wrapped as `{"stream","data"}`). Binance pings every 20 s (the `ws`
 * library answers with the pong) and ends every connection after 24 hours, so
 * it is renewed a little before. The book follows Binance's documented
 * procedure: buffer the depth events, fetch `/api/v3/depth`, drop the events
 * with `u` ≤ the snapshot's `lastUpdateId`, then apply each event whose `U` is
 * at most the last applied `u` + 1; a larger `U` is a gap and starts over.
 * Candles come from `/api/v3/klines`.
 */
export class BinanceFeed extends LiveFeed {
  readonly kind = "binance" as const;
  readonly source = "Binance";
  protected readonly defaultWsUrl = "wss://stream.binance.com:9443";
  protected readonly defaultRestUrl = "https://api.binance.com";
  protected override readonly maxConnectionMs = 23 * 3_600_000 + 50 * 60_000;
  private readonly byStream = new Map<string, string>();
  private readonly depth = new Map<string, DepthState>();
  private readonly lastTrade = new Map<string, { id: number; time: number }>();

  constructor(options: LiveFeedOptions) {
    super({ restIntervalMs: 100, ...options });
    for (const market of options.markets) {
      this.byStream.set(this.venueSymbol(market).toLowerCase(), market.symbol);
      this.depth.set(market.symbol, { synced: false, lastUpdateId: 0, buffer: [], generation: 0 });
    }
  }

  venueSymbol(market: VenueMarket): string {
    return `${market.base}${market.quote}`;
  }

  protected override wsUrl(): string {
    const streams = [...this.byStream.keys()].flatMap((s) => [`${s}@trade`, `${s}@bookTicker`, `${s}@depth@100ms`]);
    return `${(this.options.wsUrl ?? this.defaultWsUrl).replace(/\/$/, "")}/stream?streams=${streams.join("/")}`;
  }

  protected subscribe(_ws: WebSocket): void {
    // The streams are named in the URL; each book starts again from a snapshot.
    for (const live of this.markets.values()) this.resyncBook(live.market.symbol, "new connection");
  }

  protected handle(text: string): void {
    const message = objectField(JSON.parse(text), "message");
    const stream = message.stream;
    if (typeof stream !== "string") throw new MalformedMessage("no stream");
    const at = stream.indexOf("@");
    const symbol = this.byStream.get(stream.slice(0, at));
    const live = symbol ? this.live(symbol) : undefined;
    if (!live || !symbol) return;
    const data = objectField(message.data, "data");
    const kind = stream.slice(at + 1);
    if (kind === "trade") {
      if (data.e !== "trade") throw new MalformedMessage("trade stream without a trade");
      const id = updateId(data.t, "t");
      const price = decimalField(data.p, "p");
      const quantity = decimalField(data.q, "q");
      const time = updateId(data.T, "T");
      this.touch(live);
      const last = this.lastTrade.get(symbol);
      // Trade ids only grow: an older or repeated one was already counted.
      if (last !== undefined && id <= last.id) return;
      // They also grow one by one: a jump is trades this connection never delivered.
      if (last !== undefined && id > last.id + 1) this.missedTrades(live, last.time, `trade id ${id} after ${last.id}`);
      this.lastTrade.set(symbol, { id, time });
      this.trade(live, price, quantity, time);
      return;
    }
    if (kind === "bookTicker") {
      decimalField(data.b, "b");
      decimalField(data.a, "a");
      this.touch(live);
      return;
    }
    if (kind.startsWith("depth")) {
      if (data.e !== "depthUpdate") throw new MalformedMessage("depth stream without a depthUpdate");
      const event: DepthEvent = {
        first: updateId(data.U, "U"),
        final: updateId(data.u, "u"),
        bids: arrayField(data.b, "b"),
        asks: arrayField(data.a, "a"),
      };
      if (event.first > event.final) throw new MalformedMessage("U after u");
      this.onDepth(symbol, event);
      return;
    }
  }

  private onDepth(symbol: string, event: DepthEvent): void {
    const state = this.depth.get(symbol);
    const live = this.live(symbol);
    if (!state || !live) return;
    if (!state.synced) {
      state.buffer.push(event);
      if (state.buffer.length > MAX_BUFFERED) this.resyncBook(symbol, "depth snapshot too late");
      return;
    }
    // Already contained in what we have.
    if (event.final <= state.lastUpdateId) {
      this.touch(live);
      return;
    }
    if (event.first > state.lastUpdateId + 1) {
      this.resyncBook(symbol, `depth gap: U=${event.first} after u=${state.lastUpdateId}`);
      return;
    }
    this.applyLevels(symbol, event.bids, event.asks);
    state.lastUpdateId = event.final;
    live.book.time = this.now();
    if (live.book.isCrossed()) {
      this.resyncBook(symbol, "book crossed");
      return;
    }
    this.touch(live);
  }

  private applyLevels(symbol: string, bids: unknown[], asks: unknown[]): void {
    const book = this.live(symbol)?.book;
    if (!book) return;
    for (const [side, levels] of [
      ["bid", bids],
      ["ask", asks],
    ] as const) {
      for (const raw of levels) {
        const level = arrayField(raw, "level");
        book.set(side, decimalField(level[0], "price"), decimalField(level[1], "quantity"));
      }
    }
  }

  /** Starts the documented procedure again: buffer events, fetch a snapshot, apply what follows it. */
  private resyncBook(symbol: string, why: string): void {
    const state = this.depth.get(symbol);
    const live = this.live(symbol);
    if (!state || !live) return;
    state.synced = false;
    state.buffer = [];
    state.generation++;
    if (why !== "new connection") this.beginResync(live, why);
    else live.resync = why;
    this.fetchSnapshot(symbol, state.generation, 0).catch(() => {}); // failures are handled inside
  }

  private async fetchSnapshot(symbol: string, generation: number, tries: number): Promise<void> {
    const state = this.depth.get(symbol);
    const live = this.live(symbol);
    if (!state || !live) return;
    try {
      const venue = this.venueSymbol(live.market);
      const body = objectField(
        await this.getJson(`/api/v3/depth?symbol=${venue}&limit=${SNAPSHOT_LIMIT}`),
        "depth snapshot",
      );
      if (state.generation !== generation) return;
      const lastUpdateId = updateId(body.lastUpdateId, "lastUpdateId");
      const first = state.buffer[0];
      if (first && lastUpdateId < first.first) {
        // The snapshot is older than the first buffered event: ask again.
        this.later(200, () => this.fetchSnapshot(symbol, generation, tries + 1).catch(() => {}));
        return;
      }
      live.book.clear();
      this.applyLevels(symbol, arrayField(body.bids, "bids"), arrayField(body.asks, "asks"));
      state.lastUpdateId = lastUpdateId;
      state.synced = true;
      const buffered = state.buffer;
      state.buffer = [];
      this.endResync(live);
      for (const event of buffered) {
        this.onDepth(symbol, event);
        if (!state.synced) return;
      }
    } catch (error) {
      if (state.generation !== generation) return;
      this.log("warn", `Binance ${symbol}: depth snapshot failed (${(error as Error).message}); retrying`);
      this.later(Math.min(30_000, 1_000 * 2 ** Math.min(tries, 5)), () =>
        this.fetchSnapshot(symbol, generation, tries + 1).catch(() => {}),
      );
    }
  }

  async history(symbol: string, fromMs: number, toMs: number): Promise<Candle[]> {
    const live = this.live(symbol);
    if (!live) return [];
    const venue = this.venueSymbol(live.market);
    const candles: Candle[] = [];
    let start = fromMs;
    while (start < toMs) {
      const query = new URLSearchParams({
        symbol: venue,
        interval: "1m",
        startTime: String(start),
        endTime: String(toMs - 1),
        limit: String(KLINES_PER_PAGE),
      });
      const rows = arrayField(await this.getJson(`/api/v3/klines?${query}`), "klines");
      let next = start;
      for (const raw of rows) {
        // [open time, open, high, low, close, volume, close time, quote volume, trades, ...]
        const row = arrayField(raw, "kline");
        const time = updateId(row[0], "open time");
        if (time < fromMs || time >= toMs) continue;
        if (candles.length > 0 && time <= (candles.at(-1)?.time ?? 0)) continue;
        candles.push({
          time,
          open: decimalField(row[1], "open"),
          high: decimalField(row[2], "high"),
          low: decimalField(row[3], "low"),
          close: decimalField(row[4], "close"),
          volume: decimalField(row[5], "volume"),
        });
        next = time + MINUTE;
      }
      if (rows.length < KLINES_PER_PAGE || next <= start) break;
      start = next;
    }
    return candles;
  }
}
