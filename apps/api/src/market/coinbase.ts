import type { Candle } from "@tradeboard/core";
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
import { compareDecimal, normalizeDecimal } from "./order-book.ts";
import type { VenueMarket } from "./symbols.ts";

/** The public candles endpoint answers at most 350 candles a call. */
const CANDLES_PER_PAGE = 350;
const MINUTE = 60_000;

/**
 * Coinbase Advanced Trade market data: one WebSocket, one subscribe message per
 * channel (sent at once on open: Coinbase drops a connection that has not
 * subscribed within 5 s) for `heartbeats` (keeps quiet subscriptions open, a
 * message every second), `ticker`, `market_trades` and `level2` (answered on
 * the `l2_data` channel: a snapshot, then updates whose `new_quantity` is the
 * level's new size). Every message carries the connection's `sequence_num`,
 * one more than the last: a jump or a step back means messages were lost or
 * reordered, and the only way back to a correct book is a new connection (a
 * new snapshot). Candles come from the public REST endpoint
 * `/api/v3/brokerage/market/products/{id}/candles`.
 */
export class CoinbaseFeed extends LiveFeed {
  readonly kind = "coinbase" as const;
  readonly source = "Coinbase";
  protected readonly defaultWsUrl = "wss://advanced-trade-ws.coinbase.com";
  protected readonly defaultRestUrl = "https://api.coinbase.com";
  private sequence: number | undefined;
  private readonly byProduct = new Map<string, string>();
  private readonly lastTradeId = new Map<string, string>();

  constructor(options: LiveFeedOptions) {
    super({ restIntervalMs: 150, ...options });
    for (const market of options.markets) this.byProduct.set(this.venueSymbol(market), market.symbol);
  }

  venueSymbol(market: VenueMarket): string {
    return `${market.base}-${market.quote}`;
  }

  protected subscribe(ws: WebSocket): void {
    this.sequence = undefined;
    const productIds = [...this.byProduct.keys()];
    for (const live of this.markets.values()) {
      // The book is rebuilt from the snapshot this connection will send.
      live.book.clear();
      if (!live.resync) live.resync = "waiting for the level2 snapshot";
    }
    for (const channel of ["heartbeats", "ticker", "market_trades", "level2"]) {
      ws.send(JSON.stringify({ type: "subscribe", product_ids: productIds, channel }));
    }
  }

  protected handle(text: string): void {
    const message = objectField(JSON.parse(text), "message");
    const channel = message.channel;
    if (typeof channel !== "string") {
      if (message.type === "error") {
        this.log("warn", `Coinbase refused: ${String(message.message).slice(0, 200)}`);
        return;
      }
      throw new MalformedMessage("no channel");
    }
    const sequence = message.sequence_num;
    if (typeof sequence !== "number" || !Number.isInteger(sequence)) throw new MalformedMessage("no sequence_num");
    if (this.sequence !== undefined && sequence !== this.sequence + 1) {
      const what = sequence > this.sequence + 1 ? "sequence gap" : "out-of-order message";
      const previous = this.sequence;
      this.sequence = undefined;
      this.reconnectForResync(`${what}: sequence_num ${sequence} after ${previous}`);
      return;
    }
    this.sequence = sequence;
    const events = arrayField(message.events, "events");
    switch (channel) {
      case "heartbeats":
        this.touchAll();
        return;
      case "subscriptions":
        return;
      case "ticker":
      case "ticker_batch":
        for (const event of events) {
          for (const ticker of arrayField(objectField(event, "event").tickers, "tickers")) {
            const live = this.product(objectField(ticker, "ticker").product_id);
            if (live) this.touch(live);
          }
        }
        return;
      case "market_trades":
        for (const event of events) this.trades(arrayField(objectField(event, "event").trades, "trades"));
        return;
      case "l2_data":
        for (const event of events) this.level2(objectField(event, "event"));
        return;
      default:
        return;
    }
  }

  private product(id: unknown) {
    if (typeof id !== "string") throw new MalformedMessage("product_id is not a string");
    const symbol = this.byProduct.get(id);
    return symbol ? this.live(symbol) : undefined;
  }

  private trades(trades: unknown[]): void {
    // A snapshot lists the latest trades newest first; apply every batch oldest first, each trade once.
    const parsed = trades.map((raw) => {
      const trade = objectField(raw, "trade");
      const id = trade.trade_id;
      if (typeof id !== "string" || !/^\d{1,30}$/.test(id)) throw new MalformedMessage("trade_id");
      return {
        live: this.product(trade.product_id),
        id: normalizeDecimal(id),
        price: decimalField(trade.price, "price"),
        size: decimalField(trade.size, "size"),
        time: isoMs(trade.time, "time"),
      };
    });
    parsed.sort((a, b) => compareDecimal(a.id, b.id));
    for (const trade of parsed) {
      if (!trade.live) continue;
      const symbol = trade.live.market.symbol;
      const last = this.lastTradeId.get(symbol);
      this.touch(trade.live);
      if (last !== undefined && compareDecimal(trade.id, last) <= 0) continue;
      this.lastTradeId.set(symbol, trade.id);
      this.trade(trade.live, trade.price, trade.size, trade.time);
    }
  }

  private level2(event: Record<string, unknown>): void {
    const live = this.product(event.product_id);
    if (!live) return;
    const updates = arrayField(event.updates, "updates");
    if (event.type === "snapshot") live.book.clear();
    else if (event.type !== "update") throw new MalformedMessage(`l2 event type ${String(event.type)}`);
    else if (live.resync) return; // updates before the snapshot of this connection mean nothing
    for (const raw of updates) {
      const update = objectField(raw, "update");
      const side = update.side === "bid" ? "bid" : update.side === "offer" || update.side === "ask" ? "ask" : null;
      if (!side) throw new MalformedMessage(`l2 side ${String(update.side)}`);
      live.book.set(
        side,
        decimalField(update.price_level, "price_level"),
        decimalField(update.new_quantity, "new_quantity"),
      );
    }
    live.book.time = this.now();
    if (live.book.isCrossed()) {
      this.reconnectForResync(`${live.market.symbol} book crossed`);
      return;
    }
    if (event.type === "snapshot") this.endResync(live);
    else this.touch(live);
  }

  async history(symbol: string, fromMs: number, toMs: number): Promise<Candle[]> {
    const live = this.live(symbol);
    if (!live) return [];
    const product = this.venueSymbol(live.market);
    const byTime = new Map<number, Candle>();
    for (let start = fromMs; start < toMs; start += CANDLES_PER_PAGE * MINUTE) {
      const end = Math.min(toMs, start + CANDLES_PER_PAGE * MINUTE);
      // start and end are seconds; end is inclusive, so stop one second before the next page.
      const query = new URLSearchParams({
        start: String(Math.floor(start / 1000)),
        end: String(Math.floor(end / 1000) - 1),
        granularity: "ONE_MINUTE",
        limit: String(CANDLES_PER_PAGE),
      });
      const body = objectField(
        await this.getJson(`/api/v3/brokerage/market/products/${encodeURIComponent(product)}/candles?${query}`),
        "candles response",
      );
      for (const raw of arrayField(body.candles, "candles")) {
        const row = objectField(raw, "candle");
        const time = Number(row.start) * 1000;
        if (!Number.isInteger(time) || time < fromMs || time >= toMs) continue;
        byTime.set(time, {
          time,
          open: decimalField(row.open, "open"),
          high: decimalField(row.high, "high"),
          low: decimalField(row.low, "low"),
          close: decimalField(row.close, "close"),
          volume: decimalField(row.volume, "volume"),
        });
      }
    }
    return [...byTime.values()].sort((a, b) => a.time - b.time);
  }
}
