import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { decode as msgpackDecode, encode as msgpackEncode } from "@msgpack/msgpack";
import type { Candle, OrderResponse, Ticker } from "@tradeboard/contracts";
import { Decimal, type MarketSpec, type Tick } from "@tradeboard/core";
import type { UserRow } from "@tradeboard/db";
import { type WebSocket, WebSocketServer } from "ws";
import type { ApiKeyService } from "../services/api-keys.ts";
import type { TradingService } from "../services/trading.ts";
import { alpacaSymbol, findAlpacaMarket, toAlpacaOrder } from "./format.ts";
import { type LastTrades, toAlpacaBar, toAlpacaQuote, toAlpacaTrade } from "./market-data.ts";

export const TRADING_STREAM_PATH = "/alpaca/stream";
export const CRYPTO_STREAM_PATH = "/alpaca/v1beta3/crypto/us";
const AUTH_TIMEOUT_MS = 10_000;
const MAX_MESSAGE_BYTES = 16 * 1024;
/** A connection that reads slower than this is dropped (Alpaca's 407 "slow client"). */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const MAX_CONNECTIONS = 10_000;

interface TradingClient {
  socket: WebSocket;
  user: UserRow | null;
  userId: string | null;
  keyId: string | null;
  listening: boolean;
}

type Channel = "trades" | "quotes" | "bars";
const CHANNELS: readonly Channel[] = ["trades", "quotes", "bars"];
/** Accepted in a subscription and acknowledged empty: Tradeboard has no such data. */
const UNSERVED = ["updatedBars", "dailyBars", "orderbooks"] as const;

interface DataClient {
  socket: WebSocket;
  msgpack: boolean;
  authenticated: boolean;
  keyId: string | null;
  /** Per channel: our market symbols, or "*" for all. */
  subscriptions: Record<Channel, Set<string>>;
}

interface OrderEvent {
  kind: string;
  event?: string;
  order?: OrderResponse;
}

/**
 * Alpaca's two streams over one engine: `trade_updates` (JSON, Alpaca's
 * `authenticate` / `listen` protocol) for a key's own orders, and the crypto
 * market data stream (`auth` / `subscribe`, arrays of `T`-typed messages) in
 * msgpack when the client asks for it with `Content-Type: application/msgpack`
 * on the upgrade (as both JS SDKs do), else JSON.
 */
export class AlpacaStreams {
  private readonly trading = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  private readonly data = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  private readonly tradingClients = new Set<TradingClient>();
  private readonly dataClients = new Set<DataClient>();
  /** Trade updates of one user, in order (position lookups are asynchronous). */
  private readonly userQueues = new Map<string, Promise<void>>();

  constructor(
    private readonly deps: {
      keys: ApiKeyService;
      trading: TradingService;
      specs: readonly MarketSpec[];
      slippageRate: string;
      lastTrades: LastTrades;
      log?: (message: string) => void;
    },
  ) {}

  /** Takes the upgrade when it is for one of the Alpaca streams; false leaves it to others. */
  handleUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): boolean => {
    const path = new URL(request.url ?? "/", "http://localhost").pathname.replace(/\/+$/, "");
    if (path !== TRADING_STREAM_PATH && path !== CRYPTO_STREAM_PATH) return false;
    if (this.tradingClients.size + this.dataClients.size >= MAX_CONNECTIONS) {
      socket.end("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return true;
    }
    if (path === TRADING_STREAM_PATH) {
      this.trading.handleUpgrade(request, socket, head, (ws) => this.tradingConnected(ws));
    } else {
      const msgpack = (request.headers["content-type"] ?? "").toLowerCase().includes("application/msgpack");
      this.data.handleUpgrade(request, socket, head, (ws) => this.dataConnected(ws, msgpack));
    }
    return true;
  };

  /** Closes the streams opened with a key that was just revoked. */
  revoked(keyId: string): void {
    for (const client of this.tradingClients) if (client.keyId === keyId) client.socket.close(4001, "key revoked");
    for (const client of this.dataClients) if (client.keyId === keyId) client.socket.close(4001, "key revoked");
  }

  async close(): Promise<void> {
    for (const client of [...this.tradingClients, ...this.dataClients]) client.socket.terminate();
    await Promise.all([
      new Promise<void>((resolve) => this.trading.close(() => resolve())),
      new Promise<void>((resolve) => this.data.close(() => resolve())),
    ]);
  }

  // --- trade_updates ---------------------------------------------------------

  private tradingConnected(socket: WebSocket): void {
    const client: TradingClient = { socket, user: null, userId: null, keyId: null, listening: false };
    this.tradingClients.add(client);
    const timer = setTimeout(() => {
      if (!client.userId) socket.close(4000, "authentication timeout");
    }, AUTH_TIMEOUT_MS);
    timer.unref();
    socket.on("close", () => {
      clearTimeout(timer);
      this.tradingClients.delete(client);
    });
    socket.on("error", () => socket.terminate());
    socket.on("message", (raw) => {
      this.onTradingMessage(client, raw.toString()).catch((error: Error) => {
        this.deps.log?.(`alpaca trading stream: ${error.message}`);
        socket.terminate();
      });
    });
  }

  private sendJson(socket: WebSocket, message: unknown): void {
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      socket.terminate();
      return;
    }
    socket.send(JSON.stringify(message));
  }

  private async onTradingMessage(client: TradingClient, text: string): Promise<void> {
    let message: { action?: unknown; data?: Record<string, unknown>; key?: unknown; secret?: unknown };
    try {
      message = JSON.parse(text);
      if (typeof message !== "object" || message === null) throw new Error("not an object");
    } catch {
      this.sendJson(client.socket, { action: "error", data: { error_message: "invalid syntax" } });
      return;
    }
    if (message.action === "authenticate" || message.action === "auth") {
      const keyId = message.data?.key_id ?? message.key;
      const secret = message.data?.secret_key ?? message.secret;
      const verified =
        typeof keyId === "string" && typeof secret === "string" ? await this.deps.keys.verify(keyId, secret) : null;
      const status = verified ? "authorized" : "unauthorized";
      this.sendJson(client.socket, { stream: "authorization", data: { action: "authenticate", status } });
      if (!verified) {
        client.socket.close(4001, "unauthorized");
        return;
      }
      client.user = verified.user;
      client.userId = verified.user.id;
      client.keyId = keyId as string;
      return;
    }
    if (message.action === "listen") {
      if (!client.userId) {
        this.sendJson(client.socket, { stream: "authorization", data: { action: "listen", status: "unauthorized" } });
        return;
      }
      const asked = message.data?.streams;
      const streams = Array.isArray(asked) ? asked.filter((s) => s === "trade_updates") : [];
      client.listening = streams.length > 0;
      this.sendJson(client.socket, { stream: "listening", data: { streams } });
      return;
    }
    this.sendJson(client.socket, { action: "error", data: { error_message: "unrecognized action" } });
  }

  /** The user-channel events of the engine, for every listening stream of that user. */
  userEvent(userId: string, event: OrderEvent): void {
    if (event.kind !== "order" || !event.order) return;
    let listening = false;
    for (const client of this.tradingClients) if (client.userId === userId && client.listening) listening = true;
    if (!listening) return;
    const order = event.order;
    const previous = this.userQueues.get(userId) ?? Promise.resolve();
    const next = previous
      .then(() => this.sendTradeUpdate(userId, event.event ?? "", order))
      .catch((error: Error) => this.deps.log?.(`alpaca trade update: ${error.message}`))
      .finally(() => {
        if (this.userQueues.get(userId) === next) this.userQueues.delete(userId);
      });
    this.userQueues.set(userId, next);
  }

  private async sendTradeUpdate(userId: string, kind: string, order: OrderResponse): Promise<void> {
    const user = [...this.tradingClients].find((c) => c.userId === userId)?.user;
    const spec = this.deps.specs.find((s) => s.symbol === order.symbol);
    if (!spec) return;
    const event =
      kind === "accepted"
        ? "new"
        : kind === "filled"
          ? order.status === "partially_filled"
            ? "partial_fill"
            : "fill"
          : order.status === "rejected"
            ? "rejected"
            : order.status === "expired"
              ? "expired"
              : "canceled";
    const fill = order.fills.at(-1);
    const data: Record<string, unknown> = {
      event,
      execution_id: randomUUID(),
      order: toAlpacaOrder(order, spec),
      timestamp: (event === "fill" || event === "partial_fill" ? fill?.time : undefined) ?? new Date().toISOString(),
    };
    if ((event === "fill" || event === "partial_fill") && fill && user) {
      data.price = fill.price;
      data.qty = fill.quantity;
      const portfolio = await this.deps.trading.portfolio(user);
      const position = portfolio.positions.find((p) => p.symbol === order.symbol);
      data.position_qty = new Decimal(position?.quantity ?? "0").toFixed();
    }
    for (const client of this.tradingClients) {
      if (client.userId === userId && client.listening) this.sendJson(client.socket, { stream: "trade_updates", data });
    }
  }

  // --- crypto market data ----------------------------------------------------

  private dataConnected(socket: WebSocket, msgpack: boolean): void {
    const client: DataClient = {
      socket,
      msgpack,
      authenticated: false,
      keyId: null,
      subscriptions: { trades: new Set(), quotes: new Set(), bars: new Set() },
    };
    this.dataClients.add(client);
    const timer = setTimeout(() => {
      if (!client.authenticated) {
        this.sendData(client, [{ T: "error", code: 404, msg: "auth timeout" }]);
        socket.close(4000, "auth timeout");
      }
    }, AUTH_TIMEOUT_MS);
    timer.unref();
    socket.on("close", () => {
      clearTimeout(timer);
      this.dataClients.delete(client);
    });
    socket.on("error", () => socket.terminate());
    socket.on("message", (raw, isBinary) => {
      this.onDataMessage(client, raw as Buffer, isBinary).catch((error: Error) => {
        this.deps.log?.(`alpaca data stream: ${error.message}`);
        socket.terminate();
      });
    });
    this.sendData(client, [{ T: "success", msg: "connected" }]);
  }

  private sendData(client: DataClient, messages: Record<string, unknown>[]): void {
    const socket = client.socket;
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      socket.close(4007, "slow client");
      return;
    }
    if (client.msgpack) {
      // Times as msgpack timestamps (Dates), as Alpaca sends them.
      const encoded = messages.map((m) => (typeof m.t === "string" ? { ...m, t: new Date(m.t) } : m));
      socket.send(msgpackEncode(encoded));
    } else {
      socket.send(JSON.stringify(messages));
    }
  }

  private async onDataMessage(client: DataClient, raw: Buffer, isBinary: boolean): Promise<void> {
    let message: Record<string, unknown>;
    try {
      const decoded = isBinary || client.msgpack ? msgpackDecode(raw) : JSON.parse(raw.toString());
      if (typeof decoded !== "object" || decoded === null || Array.isArray(decoded)) throw new Error("not an object");
      message = decoded as Record<string, unknown>;
    } catch {
      // A client that asked for msgpack may still send JSON text.
      try {
        message = JSON.parse(raw.toString());
      } catch {
        this.sendData(client, [{ T: "error", code: 400, msg: "invalid syntax" }]);
        return;
      }
    }
    const action = message.action;
    if (action === "auth") {
      if (client.authenticated) {
        this.sendData(client, [{ T: "error", code: 403, msg: "already authenticated" }]);
        return;
      }
      const { key, secret } = message;
      const verified =
        typeof key === "string" && typeof secret === "string" ? await this.deps.keys.verify(key, secret) : null;
      if (!verified) {
        this.sendData(client, [{ T: "error", code: 402, msg: "auth failed" }]);
        client.socket.close(4002, "auth failed");
        return;
      }
      client.authenticated = true;
      client.keyId = key as string;
      this.sendData(client, [{ T: "success", msg: "authenticated" }]);
      return;
    }
    if (action !== "subscribe" && action !== "unsubscribe") {
      this.sendData(client, [{ T: "error", code: 400, msg: "invalid syntax" }]);
      return;
    }
    if (!client.authenticated) {
      this.sendData(client, [{ T: "error", code: 401, msg: "not authenticated" }]);
      return;
    }
    const unknown: string[] = [];
    for (const channel of CHANNELS) {
      const list = message[channel];
      if (list === undefined || list === null) continue;
      if (!Array.isArray(list)) {
        this.sendData(client, [{ T: "error", code: 400, msg: "invalid syntax" }]);
        return;
      }
      for (const name of list) {
        const symbol =
          name === "*" ? "*" : typeof name === "string" ? findAlpacaMarket(name, this.deps.specs)?.symbol : undefined;
        if (!symbol) {
          unknown.push(String(name));
          continue;
        }
        if (action === "subscribe") client.subscriptions[channel].add(symbol);
        else client.subscriptions[channel].delete(symbol);
      }
    }
    if (unknown.length > 0)
      this.sendData(client, [{ T: "error", code: 410, msg: `invalid symbol: ${unknown.join(",")}` }]);
    const ack: Record<string, unknown> = { T: "subscription" };
    for (const channel of CHANNELS) ack[channel] = [...client.subscriptions[channel]].map((s) => this.shown(s));
    for (const name of UNSERVED) ack[name] = [];
    this.sendData(client, [ack]);
  }

  private shown(symbol: string): string {
    if (symbol === "*") return "*";
    const spec = this.deps.specs.find((s) => s.symbol === symbol);
    return spec ? alpacaSymbol(spec) : symbol;
  }

  private subscribers(channel: Channel, symbol: string): DataClient[] {
    const out: DataClient[] = [];
    for (const client of this.dataClients) {
      const subs = client.subscriptions[channel];
      if (client.authenticated && (subs.has(symbol) || subs.has("*"))) out.push(client);
    }
    return out;
  }

  /** Every trade of the feed: a trade message and the quote it implies. */
  trade(tick: Tick, ticker: Ticker): void {
    if (this.dataClients.size === 0) return;
    const spec = this.deps.specs.find((s) => s.symbol === tick.symbol);
    if (!spec) return;
    const S = alpacaSymbol(spec);
    const traders = this.subscribers("trades", tick.symbol);
    if (traders.length > 0) {
      const trade = this.deps.lastTrades.get(tick.symbol, ticker);
      if (trade) for (const client of traders) this.sendData(client, [{ T: "t", S, ...toAlpacaTrade(trade) }]);
    }
    const quoters = this.subscribers("quotes", tick.symbol);
    if (quoters.length > 0) {
      const quote = toAlpacaQuote(spec, tick.price, tick.time, this.deps.slippageRate);
      for (const client of quoters) this.sendData(client, [{ T: "q", S, ...quote }]);
    }
  }

  /** A minute bar that just closed. */
  barClosed(symbol: string, candle: Candle): void {
    const clients = this.subscribers("bars", symbol);
    const spec = this.deps.specs.find((s) => s.symbol === symbol);
    if (clients.length === 0 || !spec) return;
    for (const client of clients) this.sendData(client, [{ T: "b", S: alpacaSymbol(spec), ...toAlpacaBar(candle) }]);
  }
}
