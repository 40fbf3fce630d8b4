import type { AddressInfo } from "node:net";
import { DEFAULT_MARKETS, Decimal } from "@tradeboard/core";
import type { Database } from "@tradeboard/db";
import Alpaca3 from "alpaca-trade-api-3";
import { marketData, streaming, trading } from "alpaca-trade-api-4";
import ccxt from "ccxt";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ManualFeed } from "../src/market/feed.ts";
import { signedInUser, startTestApp } from "./helpers/app.ts";
import { testDrivers } from "./helpers/database.ts";

const specs = DEFAULT_MARKETS.filter((m) => m.symbol === "BTC-USD" || m.symbol === "ETH-USD");
const rates = { FEE_RATE: "0.001", SLIPPAGE_RATE: "0.0005" };

/** Waits (bounded) until `check` holds; the streams deliver asynchronously. */
async function until<T>(read: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.each(testDrivers)("the official Alpaca SDKs and CCXT against a running api on %s", (driver) => {
  let database: Database;
  let app: FastifyInstance;
  let feed: ManualFeed;
  let stop: () => Promise<void>;
  let origin = "";
  let base = "";

  beforeAll(async () => {
    ({ database, app, feed, stop } = await startTestApp({ driver, overrides: rates, specs, listen: true }));
    origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    base = `${origin}/alpaca`;
    feed.trade("BTC-USD", "60000.00", { quantity: "0.25" });
    feed.trade("ETH-USD", "3000.00", { quantity: "2" });
  });
  afterAll(async () => {
    await stop?.();
  });

  /** A user with the 100,000 USD paper balance, a trade key, and the native api as that user sees it. */
  async function botAccount(name: string) {
    const { cookie, id } = await signedInUser(database, name, { usd: "100000" });
    const res = await app.inject({
      method: "POST",
      url: "/api/api-keys",
      headers: { cookie },
      payload: { name: `${name} bot`, scope: "trade" },
    });
    expect(res.statusCode).toBe(201);
    const key = res.json() as { keyId: string; secret: string };
    const native = async (url: string) => {
      const r = await app.inject({ method: "GET", url, headers: { cookie } });
      expect(r.statusCode, url).toBe(200);
      return r.json();
    };
    return { id, cookie, key, native };
  }

  describe("JS SDK 3.x (@alpacahq/alpaca-trade-api@3.1.3)", () => {
    let bot: Awaited<ReturnType<typeof botAccount>>;
    let alpaca: InstanceType<typeof Alpaca3>;

    beforeAll(async () => {
      bot = await botAccount("sdk3");
      // Configured exactly as the README says: the APCA_* variables.
      const saved = { ...process.env };
      Object.assign(process.env, {
        APCA_API_BASE_URL: base,
        APCA_DATA_BASE_URL: base,
        APCA_API_STREAM_URL: base.replace(/^http/, "ws"),
        APCA_API_KEY_ID: bot.key.keyId,
        APCA_API_SECRET_KEY: bot.key.secret,
      });
      alpaca = new Alpaca3();
      process.env = saved;
    });

    it("getAccount says what the native portfolio says", async () => {
      const account = await alpaca.getAccount();
      const portfolio = await bot.native("/api/portfolio");
      expect(account).toMatchObject({ id: bot.id, status: "ACTIVE", currency: "USD", cash: "100000.00" });
      expect(account.equity).toBe(portfolio.equity);
      expect(account.buying_power).toBe("100000.00");
    });

    it("places every order type (numbers exact) and a bracket; reads, lists and cancels them", async () => {
      feed.trade("BTC-USD", "60000.00", { quantity: "1" });
      // A JSON number 0.01: parsed as its text, so exactly 0.01 BTC.
      const market = await alpaca.createOrder({
        symbol: "BTC/USD",
        qty: 0.01,
        side: "buy",
        type: "market",
        time_in_force: "gtc",
        client_order_id: "sdk3-market-1",
      });
      // 60000 × 1.0005 = 60030
      expect(market).toMatchObject({
        symbol: "BTC/USD",
        qty: "0.01",
        filled_qty: "0.01",
        filled_avg_price: "60030",
        status: "filled",
        type: "market",
        client_order_id: "sdk3-market-1",
        asset_class: "crypto",
      });
      const limit = await alpaca.createOrder({
        symbol: "BTCUSD",
        qty: "0.02",
        side: "buy",
        type: "limit",
        limit_price: 55000.1,
        time_in_force: "gtc",
      });
      expect(limit).toMatchObject({ status: "new", limit_price: "55000.1", qty: "0.02", symbol: "BTC/USD" });
      const stop = await alpaca.createOrder({
        symbol: "BTC/USD",
        qty: "0.001",
        side: "sell",
        type: "stop",
        stop_price: "50000",
        time_in_force: "gtc",
      });
      expect(stop).toMatchObject({ status: "new", type: "stop", stop_price: "50000" });
      const stopLimit = await alpaca.createOrder({
        symbol: "BTC/USD",
        qty: "0.001",
        side: "sell",
        type: "stop_limit",
        stop_price: "51000",
        limit_price: "50900",
        time_in_force: "gtc",
      });
      expect(stopLimit).toMatchObject({ status: "new", type: "stop_limit", stop_price: "51000", limit_price: "50900" });
      const trailing = await alpaca.createOrder({
        symbol: "BTC/USD",
        qty: "0.001",
        side: "sell",
        type: "trailing_stop",
        trail_percent: 5,
        time_in_force: "gtc",
      });
      // 60000 × 0.95 = 57000
      expect(trailing).toMatchObject({ status: "new", type: "trailing_stop", trail_percent: "5", stop_price: "57000" });
      const notional = await alpaca.createOrder({
        symbol: "ETH/USD",
        notional: 150,
        side: "buy",
        type: "market",
        time_in_force: "ioc",
      });
      expect(notional).toMatchObject({ status: "filled", symbol: "ETH/USD", time_in_force: "ioc" });
      const bracket = await alpaca.createOrder({
        symbol: "BTC/USD",
        qty: "0.01",
        side: "buy",
        type: "market",
        time_in_force: "gtc",
        order_class: "bracket",
        take_profit: { limit_price: "66000" },
        stop_loss: { stop_price: "54000" },
      });
      expect(bracket).toMatchObject({ status: "filled", order_class: "bracket" });
      expect(bracket.legs).toEqual([
        expect.objectContaining({ type: "limit", side: "sell", limit_price: "66000", status: "new", qty: "0.01" }),
        expect.objectContaining({ type: "stop", side: "sell", stop_price: "54000", status: "new", qty: "0.01" }),
      ]);

      // What the native api says of the same orders.
      const nativeMarket = await bot.native(`/api/trades/${market.id}`);
      expect(nativeMarket).toMatchObject({ quantity: "0.01", averagePrice: "60030", clientOrderId: "sdk3-market-1" });

      // The SDK's typings want every filter; the call itself takes any subset.
      type OrderFilters = Parameters<typeof alpaca.getOrders>[0];
      const open = await alpaca.getOrders({ status: "open" } as OrderFilters);
      const openIds = open.map((o: { id: string }) => o.id).sort();
      const nativeOpen = await bot.native("/api/trades?open=true&limit=200");
      expect(openIds).toEqual(nativeOpen.orders.map((o: { id: string }) => o.id).sort());
      expect(openIds).toEqual(expect.arrayContaining([limit.id, stop.id, stopLimit.id, trailing.id]));
      const all = await alpaca.getOrders({ status: "all", limit: 100, direction: "asc", nested: true } as OrderFilters);
      expect(all[0].id).toBe(market.id);
      // Nested: the exits ride under the bracket, not beside it.
      expect(all.map((o: { id: string }) => o.id)).not.toContain(bracket.legs[0].id);
      expect(all.find((o: { id: string }) => o.id === bracket.id).legs).toHaveLength(2);

      expect(await alpaca.getOrder(limit.id)).toMatchObject({ id: limit.id, status: "new" });
      expect(await alpaca.getOrderByClientId("sdk3-market-1")).toMatchObject({ id: market.id });
      // An order placed without one answers to its own id.
      expect(await alpaca.getOrderByClientId(limit.client_order_id)).toMatchObject({ id: limit.id });

      await alpaca.cancelOrder(limit.id);
      expect((await bot.native(`/api/trades/${limit.id}`)).status).toBe("canceled");

      const canceled = await alpaca.cancelAllOrders();
      expect(canceled.map((c: { id: string; status: number }) => [c.id, c.status]).sort()).toEqual(
        [stop.id, stopLimit.id, trailing.id, bracket.legs[0].id, bracket.legs[1].id].map((id) => [id, 200]).sort(),
      );
      expect((await bot.native("/api/trades?open=true")).total).toBe(0);
      const usd = (await bot.native("/api/portfolio")).balances.find((b: { asset: string }) => b.asset === "USD");
      expect(usd.held).toBe("0.00");
    });

    it("lists positions as BTCUSD with the native quantities, reads one and closes it", async () => {
      const positions = await alpaca.getPositions();
      const portfolio = await bot.native("/api/portfolio");
      const nativeBtc = portfolio.positions.find((p: { symbol: string }) => p.symbol === "BTC-USD");
      const btc = positions.find((p: { symbol: string }) => p.symbol === "BTCUSD");
      // 0.01 (market) + 0.01 (bracket)
      expect(btc).toMatchObject({ qty: "0.02", qty_available: "0.02", side: "long", asset_class: "crypto" });
      expect(btc.qty).toBe(nativeBtc.quantity);
      expect(btc.market_value).toBe(nativeBtc.marketValue);
      expect(btc.avg_entry_price).toBe(nativeBtc.averageCost);
      expect(await alpaca.getPosition("BTCUSD")).toEqual(btc);
      expect(await alpaca.getPosition("BTC/USD")).toEqual(btc);

      const closed = await alpaca.closePosition("BTC/USD");
      expect(closed).toMatchObject({ side: "sell", qty: "0.02", status: "filled", type: "market" });
      const after = await alpaca.getPositions();
      expect(after.map((p: { symbol: string }) => p.symbol)).toEqual(["ETHUSD"]);
      await expect(alpaca.getPosition("BTCUSD")).rejects.toMatchObject({ response: { status: 404 } });
    });

    it("getAssets lists the crypto markets", async () => {
      const assets = await alpaca.getAssets({ asset_class: "crypto", status: "active" });
      expect(assets.map((a: { symbol: string }) => a.symbol)).toEqual(["BTC/USD", "ETH/USD"]);
      expect(assets[0]).toMatchObject({
        class: "crypto",
        tradable: true,
        fractionable: true,
        min_trade_increment: "0.00001",
      });
      expect(await alpaca.getAssets({ asset_class: "us_equity" })).toEqual([]);
    });

    it("getCryptoBars and getLatestCryptoTrades read the native candles and last trade", async () => {
      const nativeCandles = (await bot.native("/api/markets/BTC-USD/candles?interval=1h&limit=5")).candles;
      const start = new Date(nativeCandles[0].time).toISOString();
      const bars = await alpaca.getCryptoBars(["BTC/USD"], { timeframe: "1Hour", start, limit: 3, pageLimit: 2 });
      // Three bars over two pages (next_page_token), exactly the native ones.
      const btcBars = bars.get("BTC/USD") ?? [];
      expect(btcBars).toHaveLength(3);
      expect(
        btcBars.map((b: { Timestamp: string; Open: number; Close: number }) => [b.Timestamp, b.Open, b.Close]),
      ).toEqual(
        nativeCandles
          .slice(0, 3)
          .map((c: { time: number; open: string; close: string }) => [
            new Date(c.time).toISOString(),
            Number(c.open),
            Number(c.close),
          ]),
      );
      feed.trade("BTC-USD", "61000.00", { quantity: "0.5" });
      const latest = await alpaca.getLatestCryptoTrades(["BTC/USD", "ETH/USD"]);
      expect(latest.get("BTC/USD")).toMatchObject({ Price: 61000, Size: 0.5 });
      expect(latest.get("ETH/USD")).toMatchObject({ Price: 3000 });
    });

    it("the trade_updates stream delivers the new order and its fill", async () => {
      const updates: { event: string; order: { id: string; status: string }; price?: string; position_qty?: string }[] =
        [];
      const ws = alpaca.trade_ws;
      ws.onConnect(() => ws.subscribe(["trade_updates"]));
      ws.onOrderUpdate((update: (typeof updates)[number]) => updates.push(update));
      ws.connect();
      // The SDK only logs the "listening" acknowledgement: read it from the SDK's own socket.
      const socket = (ws as unknown as { conn: { on(event: "message", fn: (data: Buffer) => void): void } }).conn;
      await new Promise<void>((resolve) =>
        socket.on("message", (data) => {
          if (data.toString().includes('"stream":"listening"')) resolve();
        }),
      );
      feed.trade("BTC-USD", "61000.00", { quantity: "1" });
      const order = await alpaca.createOrder({
        symbol: "BTC/USD",
        qty: "0.003",
        side: "buy",
        type: "limit",
        limit_price: "60500",
        time_in_force: "gtc",
      });
      await until(() => updates.find((u) => u.event === "new" && u.order.id === order.id), "new");
      feed.trade("BTC-USD", "60400.00", { quantity: "1" });
      const fill = await until(() => updates.find((u) => u.event === "fill" && u.order.id === order.id), "fill");
      expect(fill).toMatchObject({ price: "60400", qty: "0.003", order: { status: "filled", filled_qty: "0.003" } });
      expect(fill.position_qty).toBe("0.003");
      ws.disconnect();
    });
  });

  it("JS SDK 3.x's crypto stream (msgpack) authenticates, subscribes and receives trades and quotes", async () => {
    const bot = await botAccount("sdk3-data");
    const alpaca = new Alpaca3({
      keyId: bot.key.keyId,
      secretKey: bot.key.secret,
      baseUrl: base,
      dataBaseUrl: base,
      dataStreamUrl: base.replace(/^http/, "ws"),
    });
    const stream = alpaca.crypto_stream_v1beta3;
    const trades: { Symbol: string; Price: number; Size: number; Timestamp: Date }[] = [];
    const quotes: { BidPrice: number; AskPrice: number }[] = [];
    // The SDK's typings leave out what it emits (Symbol); the objects are read as they arrive.
    stream.onCryptoTrade((t) => trades.push(t as unknown as (typeof trades)[number]));
    stream.onCryptoQuote((q) => quotes.push(q as unknown as (typeof quotes)[number]));
    const connected = new Promise<void>((resolve) =>
      stream.onConnect(() => {
        stream.subscribeForTrades(["BTC/USD"]);
        stream.subscribeForQuotes(["BTC/USD"]);
        resolve();
      }),
    );
    stream.connect();
    await connected;
    // The SDK signals no subscription acknowledgement: trade until the stream delivers one.
    const trade = await until(() => {
      feed.trade("BTC-USD", "60250.00", { quantity: "0.125" });
      return trades.find((t) => t.Price === 60250);
    }, "a streamed trade");
    expect(trade).toMatchObject({ Symbol: "BTC/USD", Size: 0.125 });
    expect(trade.Timestamp).toBeInstanceOf(Date);
    // 60250 × (1 ∓ 0.0005) = 60219.87 (down to the tick) / 60280.13 (up)
    const quote = await until(() => quotes.at(-1), "a streamed quote");
    expect(quote).toMatchObject({ BidPrice: 60219.87, AskPrice: 60280.13 });
    stream.disconnect();
  });

  describe("JS SDK 4.x (@alpacahq/alpaca-trade-api@4.0.2)", () => {
    let bot: Awaited<ReturnType<typeof botAccount>>;
    let config: trading.Configuration;

    beforeAll(async () => {
      bot = await botAccount("sdk4");
      config = new trading.Configuration({ keyId: bot.key.keyId, secret: bot.key.secret, basePath: base });
    });

    it("AccountsApi.getAccount, ClockApi, AssetsApi", async () => {
      const account = await new trading.AccountsApi(config).getAccount();
      expect(account).toMatchObject({ id: bot.id, cash: "100000.00", currency: "USD" });
      expect(account.equity).toBe((await bot.native("/api/portfolio")).equity);
      const clock = await new trading.ClockApi(config).legacyClock();
      expect(clock.isOpen).toBe(true);
      const assets = await new trading.AssetsApi(config).getV2Assets({ assetClass: "crypto", status: "active" });
      expect(assets.map((a) => a.symbol)).toEqual(["BTC/USD", "ETH/USD"]);
      expect(
        (await new trading.AssetsApi(config).getV2AssetsSymbolOrAssetId({ symbolOrAssetId: "BTC/USD" })).symbol,
      ).toBe("BTC/USD");
    });

    it("OrdersApi: every type and a bracket, get, by client id, list, cancel, cancel all", async () => {
      const orders = new trading.OrdersApi(config);
      feed.trade("BTC-USD", "60000.00", { quantity: "1" });
      const market = await orders.postOrder({
        postOrderRequest: {
          symbol: "BTC/USD",
          qty: "0.01",
          side: "buy",
          type: "market",
          timeInForce: "gtc",
          clientOrderId: "sdk4-market",
        },
      });
      expect(market).toMatchObject({ status: "filled", filledQty: "0.01", filledAvgPrice: "60030", symbol: "BTC/USD" });
      const placed = [];
      for (const request of [
        { type: "limit", side: "buy", qty: "0.01", limitPrice: "55000" },
        { type: "stop", side: "sell", qty: "0.001", stopPrice: "50000" },
        { type: "stop_limit", side: "sell", qty: "0.001", stopPrice: "51000", limitPrice: "50900" },
        { type: "trailing_stop", side: "sell", qty: "0.001", trailPrice: "1000" },
      ] as const) {
        placed.push(
          await orders.postOrder({ postOrderRequest: { symbol: "BTC/USD", timeInForce: "gtc", ...request } }),
        );
      }
      expect(placed.map((o) => [o.type, o.status])).toEqual([
        ["limit", "new"],
        ["stop", "new"],
        ["stop_limit", "new"],
        ["trailing_stop", "new"],
      ]);
      const bracket = await orders.postOrder({
        postOrderRequest: {
          symbol: "BTC/USD",
          qty: "0.01",
          side: "buy",
          type: "limit",
          limitPrice: "59000",
          timeInForce: "gtc",
          orderClass: "bracket",
          takeProfit: { limitPrice: "65000" },
          stopLoss: { stopPrice: "55000" },
        },
      });
      // Resting: no exits until it fills.
      expect(bracket).toMatchObject({ status: "new", orderClass: "bracket", legs: [] });
      expect((await orders.getOrderByOrderID({ orderId: bracket.id as string })).limitPrice).toBe("59000");
      expect((await orders.getOrderByClientOrderId({ clientOrderId: "sdk4-market" })).id).toBe(market.id);
      const open = await orders.getAllOrders({ status: "open", symbols: "BTC/USD" });
      expect(open.map((o) => o.id).sort()).toEqual([...placed.map((o) => o.id), bracket.id].sort());
      await orders.deleteOrderByOrderID({ orderId: placed[0]?.id as string });
      expect((await bot.native(`/api/trades/${placed[0]?.id}`)).status).toBe("canceled");
      const canceled = await orders.deleteAllOrders();
      expect(canceled.map((c) => c.status)).toEqual([200, 200, 200, 200]);
      expect((await bot.native("/api/trades?open=true")).total).toBe(0);
    });

    it("PositionsApi: list, get, close a percentage and by qty", async () => {
      const positions = new trading.PositionsApi(config);
      const all = await positions.getAllOpenPositions();
      expect(all.map((p) => [p.symbol, p.qty])).toEqual([["BTCUSD", "0.01"]]);
      expect((await positions.getOpenPosition({ symbolOrAssetId: "BTC%2FUSD" })).qty).toBe("0.01");
      const half = await positions.deleteOpenPosition({ symbolOrAssetId: "BTCUSD", percentage: 50 });
      expect(half).toMatchObject({ side: "sell", qty: "0.005", status: "filled" });
      const rest = await positions.deleteOpenPosition({ symbolOrAssetId: "BTC/USD", qty: 0.005 });
      expect(rest).toMatchObject({ qty: "0.005", status: "filled" });
      expect(await positions.getAllOpenPositions()).toEqual([]);
      expect(
        (await bot.native("/api/portfolio")).positions.find((p: { symbol: string }) => p.symbol === "BTC-USD"),
      ).toMatchObject({ quantity: "0" });
    });

    it("CryptoApi bars (paged), latest trades, quotes, bars and snapshots", async () => {
      const crypto = new marketData.CryptoApi(new marketData.Configuration({ basePath: base }));
      const nativeCandles = (await bot.native("/api/markets/ETH-USD/candles?interval=15m&limit=4")).candles;
      const first = await crypto.cryptoBars({
        loc: "us",
        symbols: "ETH/USD",
        timeframe: "15Min",
        start: new Date(nativeCandles[0].time),
        limit: 2,
      });
      expect(first.bars["ETH/USD"]?.map((b) => b.o)).toEqual(
        nativeCandles.slice(0, 2).map((c: { open: string }) => Number(c.open)),
      );
      expect(first.nextPageToken).toEqual(expect.any(String));
      const second = await crypto.cryptoBars({
        loc: "us",
        symbols: "ETH/USD",
        timeframe: "15Min",
        start: new Date(nativeCandles[0].time),
        limit: 2,
        pageToken: first.nextPageToken as string,
      });
      expect(second.bars["ETH/USD"]?.map((b) => b.o)).toEqual(
        nativeCandles.slice(2, 4).map((c: { open: string }) => Number(c.open)),
      );
      feed.trade("ETH-USD", "3100.00", { quantity: "3" });
      const trades = await crypto.cryptoLatestTrades({ loc: "us", symbols: "ETH/USD" });
      expect(trades.trades["ETH/USD"]).toMatchObject({ p: 3100, s: 3 });
      const quotes = await crypto.cryptoLatestQuotes({ loc: "us", symbols: "ETH/USD" });
      // 3100 × (1 ∓ 0.0005) = 3098.45 / 3101.55
      expect(quotes.quotes["ETH/USD"]).toMatchObject({ bp: 3098.45, ap: 3101.55 });
      const latestBars = await crypto.cryptoLatestBars({ loc: "us", symbols: "ETH/USD" });
      expect(latestBars.bars["ETH/USD"]?.c).toBe(3100);
      const snapshots = await crypto.cryptoSnapshots({ loc: "us", symbols: "ETH/USD,BTC/USD" });
      expect(Object.keys(snapshots.snapshots).sort()).toEqual(["BTC/USD", "ETH/USD"]);
      expect(snapshots.snapshots["ETH/USD"]?.latestTrade?.p).toBe(3100);
    });

    it("the trading stream (explicit url) delivers a fill; the crypto stream (msgpack) trades, quotes and bars", async () => {
      const credentials = { keyId: bot.key.keyId, secret: bot.key.secret };
      const stream = new streaming.TradingStream({
        credentials,
        url: `${base.replace(/^http/, "ws")}/stream`,
        reconnect: false,
      });
      const updates: streaming.TradeUpdate[] = [];
      stream.onTradeUpdate((u) => updates.push(u));
      stream.connect();
      expect((await stream.whenAuthenticated()).authenticated).toBe(true);
      const listening = new Promise((resolve) => stream.on(streaming.EVENT.SUBSCRIPTION, resolve));
      stream.subscribeTradeUpdates();
      await listening;

      const data = new streaming.CryptoDataStream({
        credentials,
        url: `${base.replace(/^http/, "ws")}/v1beta3/crypto/us`,
        reconnect: false,
      });
      const trades: streaming.StreamTrade[] = [];
      const quotes: unknown[] = [];
      data.onTrade((t) => trades.push(t));
      data.onQuote((q) => quotes.push(q));
      data.connect();
      expect((await data.whenAuthenticated()).authenticated).toBe(true);
      const subscribed = new Promise((resolve) => data.on(streaming.EVENT.SUBSCRIPTION, resolve));
      data.subscribeForTrades(["BTC/USD"]);
      data.subscribeForQuotes(["BTC/USD"]);
      await subscribed;

      const orders = new trading.OrdersApi(config);
      feed.trade("BTC-USD", "60000.00", { quantity: "1" });
      const order = await orders.postOrder({
        postOrderRequest: {
          symbol: "BTC/USD",
          qty: "0.002",
          side: "buy",
          type: "limit",
          limitPrice: "59950",
          timeInForce: "gtc",
        },
      });
      feed.trade("BTC-USD", "59900.00", { quantity: "0.75" });
      const fill = await until(() => updates.find((u) => u.event === "fill" && u.order.id === order.id), "fill");
      expect(fill).toMatchObject({ price: "59900", qty: "0.002", positionQty: "0.002" });
      const trade = await until(() => trades.find((t) => t.price === 59900), "a streamed trade");
      expect(trade).toMatchObject({ symbol: "BTC/USD", size: 0.75 });
      expect(trade.timestamp).toBeInstanceOf(Date);
      await until(() => (quotes.length > 0 ? true : undefined), "a streamed quote");
      stream.disconnect();
      data.disconnect();
    });
  });

  describe("CCXT alpaca (ccxt@4.5.84)", () => {
    let bot: Awaited<ReturnType<typeof botAccount>>;
    let exchange: InstanceType<typeof ccxt.alpaca>;

    beforeAll(async () => {
      bot = await botAccount("ccxt");
      exchange = new ccxt.alpaca({ apiKey: bot.key.keyId, secret: bot.key.secret });
      exchange.urls.api = { broker: base, trader: base, market: base };
    });

    it("loadMarkets, fetchBalance, createOrder, fetchOrder, fetchOpenOrders, cancelOrder, fetchOHLCV", async () => {
      const markets = await exchange.loadMarkets();
      expect(Object.keys(markets).sort()).toEqual(["BTC/USD", "ETH/USD"]);
      const before = await exchange.fetchBalance();
      expect(before.USD).toMatchObject({ free: 100000, total: 100000 });

      feed.trade("BTC-USD", "60000.00", { quantity: "1" });
      const bought = await exchange.createOrder("BTC/USD", "market", "buy", 0.01);
      const filled = await exchange.fetchOrder(bought.id as string, "BTC/USD");
      expect(filled).toMatchObject({ status: "closed", filled: 0.01, average: 60030, side: "buy", type: "market" });
      const resting = await exchange.createOrder("BTC/USD", "limit", "buy", 0.02, 50000);
      const open = await exchange.fetchOpenOrders("BTC/USD");
      expect(open.map((o) => o.id)).toEqual([resting.id]);
      await exchange.cancelOrder(resting.id as string, "BTC/USD");
      expect((await exchange.fetchOpenOrders("BTC/USD")).length).toBe(0);

      const portfolio = await bot.native("/api/portfolio");
      const usd = portfolio.balances.find((b: { asset: string }) => b.asset === "USD");
      const after = await exchange.fetchBalance();
      expect(String(after.USD?.free)).toBe(new Decimal(usd.available).toString());
      expect(after.BTC).toMatchObject({ total: 0.01, free: 0.01 });

      const nativeCandles = (await bot.native("/api/markets/BTC-USD/candles?interval=5m&limit=3")).candles;
      const ohlcv = await exchange.fetchOHLCV("BTC/USD", "5m", nativeCandles[0].time, 3);
      expect(ohlcv.map((c) => c[0])).toEqual(nativeCandles.map((c: { time: number }) => c.time));
      expect(ohlcv.map((c) => c[4])).toEqual(nativeCandles.map((c: { close: string }) => Number(c.close)));
    });
  });
});
