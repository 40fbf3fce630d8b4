import { crc32 } from "node:zlib";
import { type Candle, type CandleInterval, Decimal, INTERVAL_MS } from "@tradeboard/core";
import type WebSocket from "ws";
import {
  arrayField,
  decimalField,
  isoMs,
  LiveFeed,
  type LiveFeedOptions,
  MalformedMessage,
  objectField,
} from "./live-feed.ts";
import type { BookLevel } from "./order-book.ts";
import type { VenueMarket } from "./symbols.ts";

const MINUTE = 60_000;
/** The depth we subscribe to; the checksum always covers the top 10. */
const BOOK_DEPTH = 10;
/** Kraken's REST names some assets the old way. */
const REST_ASSET: Record<string, string> = { BTC: "XBT", DOGE: "XDG" };

/**
 * JSON.parse that keeps every number as its text: Kraken v2 sends prices and
 * quantities as JSON numbers with their full precision ("qty":0.00100000), and
 * a float would lose digits (and the checksum, which is computed over that text).
 * Strings are matched first, so digits inside them are left alone.
 */
export function parseKeepingNumbers(text: string): unknown {
  // One pass: copy the text, putting quotes around each number token outside strings.
  let out = "";
  let copied = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) {
      inString = true;
    } else if (c === 45 || (c >= 48 && c <= 57)) {
      let end = i + 1;
      for (; end < text.length; end++) {
        const d = text.charCodeAt(end);
        // digits, ".", "e", "E", "+", "-"
        if (!((d >= 48 && d <= 57) || d === 46 || d === 101 || d === 69 || d === 43 || d === 45)) break;
      }
      out += `${text.slice(copied, i)}"${text.slice(i, end)}"`;
      copied = end;
      i = end - 1;
    }
  }
  return JSON.parse(copied === 0 ? text : out + text.slice(copied));
}

/** A Kraken number (kept as text): decimals are normalised from exponent form, which JSON allows. */
function krakenDecimal(value: unknown, name: string): string {
  if (typeof value === "string" && /[eE]/.test(value)) return decimalField(new Decimal(value).toFixed(), name);
  return decimalField(value, name);
}

/** "45285.2" → "452852", "0.00100000" → "100000": the checksum's rendering of a price or quantity. */
function checksumPart(value: string): string {
  const digits = value.replace(".", "");
  let i = 0;
  while (i < digits.length - 1 && digits.charCodeAt(i) === 48) i++;
  return digits.slice(i);
}

/** Kraken's book checksum: CRC32 of the top 10 asks (low to high) then the top 10 bids (high to low). */
export function krakenChecksum(book: { bids: readonly BookLevel[]; asks: readonly BookLevel[] }): number {
  let text = "";
  for (const level of book.asks.slice(0, 10)) text += checksumPart(level.price) + checksumPart(level.quantity);
  for (const level of book.bids.slice(0, 10)) text += checksumPart(level.price) + checksumPart(level.quantity);
  return crc32(text) >>> 0;
}

/**
 * Kraken WebSocket v2 (`wss://ws.kraken.com/v2`): subscriptions to `trade`,
 * `ticker` and `book` (depth 10, with a snapshot) for all markets at once;
 * `heartbeat` arrives every second when nothing else does, and an application
 * `ping` goes out every 30 s. Every book message carries the CRC32 of the top
 * 10 levels: a mismatch, or an update older than the last one, resubscribes
 * that market's book for a new snapshot. Candles come from the REST `OHLC`
 * endpoint, which only keeps the most recent 720 entries of an interval.
 */
export class KrakenFeed extends LiveFeed {
  readonly kind = "kraken" as const;
  readonly source = "Kraken";
  protected readonly defaultWsUrl = "wss://ws.kraken.com/v2";
  protected readonly defaultRestUrl = "https://api.kraken.com";
  protected override readonly pingIntervalMs = 30_000;
  private readonly bySymbol = new Map<string, string>();
  private readonly lastTrade = new Map<string, { id: bigint; time: number }>();
  private readonly lastBookTime = new Map<string, number>();
  private requestId = 0;

  constructor(options: LiveFeedOptions) {
    // Kraken's public REST counter allows about one call a second.
    super({ restIntervalMs: 1_000, ...options });
    for (const market of options.markets) this.bySymbol.set(this.venueSymbol(market), market.symbol);
  }

  venueSymbol(market: VenueMarket): string {
    return `${market.base}/${market.quote}`;
  }

  /** The REST pair name: BTC/USD is XBTUSD. */
  restPair(market: VenueMarket): string {
    return `${REST_ASSET[market.base] ?? market.base}${REST_ASSET[market.quote] ?? market.quote}`;
  }

  protected override ping(ws: WebSocket): void {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ method: "ping", req_id: ++this.requestId }));
  }

  protected subscribe(ws: WebSocket): void {
    const symbols = [...this.bySymbol.keys()];
    for (const live of this.markets.values()) {
      live.book.clear();
      if (!live.resync) live.resync = "waiting for the book snapshot";
      this.lastBookTime.delete(live.market.symbol);
    }
    const params = [
      { channel: "trade", symbol: symbols, snapshot: false },
      { channel: "ticker", symbol: symbols },
      { channel: "book", symbol: symbols, depth: BOOK_DEPTH, snapshot: true },
    ];
    for (const p of params) ws.send(JSON.stringify({ method: "subscribe", params: p, req_id: ++this.requestId }));
  }

  protected handle(text: string): void {
    const message = objectField(parseKeepingNumbers(text), "message");
    if (typeof message.method === "string") {
      if (message.success === false) this.log("warn", `Kraken ${message.method} refused: ${String(message.error)}`);
      return;
    }
    const channel = message.channel;
    if (channel === "heartbeat") {
      this.touchAll();
      return;
    }
    if (channel === "status") return;
    const data = arrayField(message.data, "data");
    if (channel === "trade") {
      for (const raw of data) this.onTrade(objectField(raw, "trade"));
      return;
    }
    if (channel === "ticker") {
      for (const raw of data) {
        const ticker = objectField(raw, "ticker");
        const live = this.market(ticker.symbol);
        krakenDecimal(ticker.last, "last");
        if (live) this.touch(live);
      }
      return;
    }
    if (channel === "book") {
      if (message.type !== "snapshot" && message.type !== "update") throw new MalformedMessage("book type");
      for (const raw of data) this.onBook(message.type, objectField(raw, "book"));
      return;
    }
    throw new MalformedMessage(`unknown channel ${String(channel).slice(0, 20)}`);
  }

  private market(symbol: unknown) {
    if (typeof symbol !== "string") throw new MalformedMessage("symbol is not a string");
    const ours = this.bySymbol.get(symbol);
    return ours ? this.live(ours) : undefined;
  }

  private onTrade(trade: Record<string, unknown>): void {
    const live = this.market(trade.symbol);
    const price = krakenDecimal(trade.price, "price");
    const qty = krakenDecimal(trade.qty, "qty");
    const time = isoMs(trade.timestamp, "timestamp");
    if (typeof trade.trade_id !== "string" || !/^\d{1,20}$/.test(trade.trade_id))
      throw new MalformedMessage("trade_id");
    if (!live) return;
    this.touch(live);
    const id = BigInt(trade.trade_id);
    const last = this.lastTrade.get(live.market.symbol);
    if (last !== undefined && id <= last.id) return;
    // Trade ids are sequential per book: a jump is trades this connection never delivered.
    if (last !== undefined && id > last.id + 1n) this.missedTrades(live, last.time, `trade id ${id} after ${last.id}`);
    this.lastTrade.set(live.market.symbol, { id, time });
    this.trade(live, price, qty, time);
  }

  private onBook(type: "snapshot" | "update", book: Record<string, unknown>): void {
    const live = this.market(book.symbol);
    if (!live) return;
    const symbol = live.market.symbol;
    const bids = arrayField(book.bids, "bids");
    const asks = arrayField(book.asks, "asks");
    const checksum = Number(book.checksum);
    if (!Number.isInteger(checksum)) throw new MalformedMessage("checksum");
    if (type === "update") {
      if (live.resync) return; // waiting for the snapshot of the resubscription
      const time = isoMs(book.timestamp, "timestamp");
      const previous = this.lastBookTime.get(symbol);
      if (previous !== undefined && time < previous) {
        this.resyncBook(live, `book update older than the last one (${book.timestamp})`);
        return;
      }
      this.lastBookTime.set(symbol, time);
    } else {
      live.book.clear();
      this.lastBookTime.delete(symbol);
    }
    for (const [side, levels] of [
      ["bid", bids],
      ["ask", asks],
    ] as const) {
      for (const raw of levels) {
        const level = objectField(raw, "level");
        live.book.set(side, krakenDecimal(level.price, "price"), krakenDecimal(level.qty, "qty"));
      }
    }
    const top = live.book.truncate(BOOK_DEPTH);
    live.book.time = this.now();
    const computed = krakenChecksum(top);
    if (computed !== checksum) {
      this.resyncBook(live, `book checksum ${checksum} from Kraken, ${computed} here`);
      return;
    }
    if (type === "snapshot") this.endResync(live);
    else this.touch(live);
  }

  /** Resubscribes one market's book: Kraken answers with a fresh snapshot. */
  private resyncBook(live: Parameters<LiveFeed["beginResync"]>[0], why: string): void {
    this.beginResync(live, why);
    live.book.clear();
    const symbol = [this.venueSymbol(live.market)];
    this.send({
      method: "unsubscribe",
      params: { channel: "book", symbol, depth: BOOK_DEPTH },
      req_id: ++this.requestId,
    });
    this.send({
      method: "subscribe",
      params: { channel: "book", symbol, depth: BOOK_DEPTH, snapshot: true },
      req_id: ++this.requestId,
    });
  }

  async history(symbol: string, fromMs: number, toMs: number): Promise<Candle[]> {
    const candles = await this.ohlc(symbol, 1, fromMs, toMs);
    const first = candles[0];
    if (first && first.time > fromMs + MINUTE) {
      this.log(
        "info",
        `Kraken ${symbol}: one-minute history starts at ${new Date(first.time).toISOString()} (Kraken keeps only the latest 720 minutes; older charts come from its coarser candles)`,
      );
    }
    return candles;
  }

  /**
   * Kraken's own coarser candles, for the part of the window its one-minute
   * history no longer covers (720 entries of each interval: 2.5 days of 5m,
   * 7.5 days of 15m, 30 days of 1h).
   */
  coarseHistory(symbol: string, interval: CandleInterval, fromMs: number, toMs: number): Promise<Candle[]> {
    return this.ohlc(symbol, INTERVAL_MS[interval] / MINUTE, fromMs, toMs);
  }

  /** GET /0/public/OHLC, paged by `last`, without the current (uncommitted) entry, open times in [fromMs, toMs). */
  private async ohlc(symbol: string, minutes: number, fromMs: number, toMs: number): Promise<Candle[]> {
    const live = this.live(symbol);
    if (!live) return [];
    const pair = this.restPair(live.market);
    const byTime = new Map<number, Candle>();
    let since = Math.floor(fromMs / 1000) - 60 * minutes;
    for (let page = 0; page < 20; page++) {
      const body = objectField(
        await this.getJson(`/0/public/OHLC?pair=${pair}&interval=${minutes}&since=${since}`),
        "OHLC response",
      );
      const errors = arrayField(body.error ?? [], "error");
      if (errors.length > 0) throw new Error(`Kraken OHLC: ${errors.join(", ")}`);
      const result = objectField(body.result, "result");
      const key = Object.keys(result).find((k) => k !== "last");
      const rows = key ? arrayField(result[key], "ohlc") : [];
      // The last row is the current, not yet committed interval.
      const committed = rows.slice(0, -1);
      for (const raw of committed) {
        // [time (s), open, high, low, close, vwap, volume, count]
        const row = arrayField(raw, "ohlc row");
        const time = Number(row[0]) * 1000;
        if (!Number.isInteger(time) || time < fromMs || time >= toMs) continue;
        byTime.set(time, {
          time,
          open: decimalField(row[1], "open"),
          high: decimalField(row[2], "high"),
          low: decimalField(row[3], "low"),
          close: decimalField(row[4], "close"),
          volume: decimalField(row[6], "volume"),
        });
      }
      const last = Number(result.last);
      const newest = committed.length > 0 ? Number(arrayField(committed.at(-1), "ohlc row")[0]) : Number.NaN;
      if (
        !Number.isFinite(last) ||
        !Number.isFinite(newest) ||
        last <= since ||
        newest * 1000 + minutes * MINUTE >= toMs
      ) {
        break;
      }
      since = last;
    }
    return [...byTime.values()].sort((a, b) => a.time - b.time);
  }
}
