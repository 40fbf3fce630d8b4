import type { AddressInfo } from "node:net";
import { DEFAULT_MARKETS } from "@tradeboard/core";
import { type Database, listOrders } from "@tradeboard/db";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { ManualFeed } from "../src/market/feed.ts";
import { signedInUser, startTestApp } from "./helpers/app.ts";
import { testDrivers } from "./helpers/database.ts";

const specs = DEFAULT_MARKETS.filter((m) => m.symbol === "BTC-USD" || m.symbol === "ETH-USD");

describe.each(testDrivers)("the /alpaca adapter's answers to bad input on %s", (driver) => {
  let database: Database;
  let app: FastifyInstance;
  let feed: ManualFeed;
  let stop: () => Promise<void>;
  let wsBase = "";

  beforeAll(async () => {
    ({ database, app, feed, stop } = await startTestApp({
      driver,
      overrides: { FEE_RATE: "0.001", SLIPPAGE_RATE: "0.0005" },
      specs,
      listen: true,
    }));
    wsBase = `ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/alpaca`;
    feed.trade("BTC-USD", "60000.00", { quantity: "1" });
    feed.trade("ETH-USD", "3000.00", { quantity: "1" });
  });
  afterAll(async () => {
    await stop?.();
  });

  async function bot(name: string, scope: "read" | "trade" = "trade") {
    const { id, cookie } = await signedInUser(database, name, { usd: "100000" });
    const res = await app.inject({
      method: "POST",
      url: "/api/api-keys",
      headers: { cookie },
      payload: { name, scope },
    });
    const key = res.json() as { id: string; keyId: string; secret: string };
    const headers = { "apca-api-key-id": key.keyId, "apca-api-secret-key": key.secret };
    const orderCount = async () => (await listOrders(database.db, { userId: id, limit: 1000, offset: 0 })).rows.length;
    const post = (payload: string) =>
      app.inject({
        method: "POST",
        url: "/alpaca/v2/orders",
        headers: { ...headers, "content-type": "application/json" },
        payload,
      });
    return { id, cookie, key, headers, orderCount, post };
  }

  const order = (fields: Record<string, unknown> = {}) =>
    JSON.stringify({ symbol: "BTC/USD", qty: "0.01", side: "buy", type: "market", time_in_force: "gtc", ...fields });

  it("answers bad bodies, symbols and enums with Alpaca's error and writes nothing", async () => {
    const b = await bot("bad-input");
    const cases: [string, number, RegExp][] = [
      ["{not json", 400, /request body format is invalid/],
      ['{"symbol": "BTC/USD", "qty": 1, "qty": 2}', 400, /request body format is invalid/],
      ["[]", 422, /expected object/i],
      [order({ symbol: "DOGE/USD" }), 422, /asset not found: DOGE\/USD/],
      [order({ side: "short" }), 422, /side must be buy or sell/],
      [order({ type: "market_on_close" }), 422, /^type: type must be/],
      [order({ time_in_force: "day" }), 422, /invalid crypto time_in_force: day/],
      [order({ time_in_force: "fok" }), 422, /invalid crypto time_in_force/],
      [order({ qty: "-1" }), 422, /not a positive decimal/],
      [order({ qty: "abc" }), 422, /not a positive decimal/],
      [order({ qty: undefined }), 422, /qty or notional is required/],
      [order({ notional: "100" }), 422, /only one of qty and notional/],
      [order({ order_class: "oco" }), 422, /order_class oco is not supported/],
      [order({ order_class: "bracket", take_profit: { limit_price: "70000" } }), 422, /both take_profit and stop_loss/],
      [order({ take_profit: { limit_price: "70000" } }), 422, /need order_class bracket/],
      [order({ type: "limit" }), 422, /limit/i],
      [order({ qty: "1000" }), 403, /insufficient balance/],
      // As a float 0.30000000000000001 is 0.3, a valid quantity; as written it is not a multiple of the lot.
      [
        '{"symbol":"BTC/USD","qty":0.30000000000000001,"side":"buy","type":"market","time_in_force":"gtc"}',
        422,
        /lot|multiple/i,
      ],
    ];
    for (const [payload, status, message] of cases) {
      const res = await b.post(payload);
      expect(res.statusCode, payload).toBe(status);
      const body = res.json();
      expect(Object.keys(body).sort(), payload).toEqual(["code", "message"]);
      expect(body.code, payload).toBe(status === 403 ? 40310000 : 40010000);
      expect(body.message, payload).toMatch(message);
    }
    expect(await b.orderCount()).toBe(0);
  });

  it("takes numbers exactly as written, exponents too", async () => {
    const b = await bot("exact");
    const res = await b.post(
      '{"symbol":"BTCUSD","qty":3e-2,"side":"buy","type":"limit","limit_price":55000.10,"time_in_force":"gtc"}',
    );
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ qty: "0.03", limit_price: "55000.1", symbol: "BTC/USD", status: "new" });
    const native = await app.inject({
      method: "GET",
      url: `/api/trades/${res.json().id}`,
      headers: { cookie: b.cookie },
    });
    expect(native.json()).toMatchObject({ quantity: "0.03", limitPrice: "55000.1" });
  });

  it("refuses a missing key, a wrong secret, a revoked key (401) and a read key's order (403)", async () => {
    const b = await bot("auth");
    const noKey = await app.inject({ method: "GET", url: "/alpaca/v2/account" });
    expect(noKey.statusCode).toBe(401);
    expect(noKey.json()).toEqual({ code: 40110000, message: "request is not authorized" });
    const wrong = await app.inject({
      method: "GET",
      url: "/alpaca/v2/account",
      headers: { ...b.headers, "apca-api-secret-key": "nope" },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().code).toBe(40110000);

    const reader = await bot("reader", "read");
    expect((await app.inject({ method: "GET", url: "/alpaca/v2/account", headers: reader.headers })).statusCode).toBe(
      200,
    );
    const refused = await reader.post(order());
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe(40310000);
    const cancelAll = await app.inject({ method: "DELETE", url: "/alpaca/v2/orders", headers: reader.headers });
    expect(cancelAll.statusCode).toBe(403);
    expect(await reader.orderCount()).toBe(0);

    await app.inject({ method: "DELETE", url: `/api/api-keys/${b.key.id}`, headers: { cookie: b.cookie } });
    const revoked = await app.inject({ method: "GET", url: "/alpaca/v2/account", headers: b.headers });
    expect(revoked.statusCode).toBe(401);
    expect(revoked.json().code).toBe(40110000);
  });

  it("answers unknown orders, positions, assets and routes with 404, finished orders with 422, reused client ids with 422", async () => {
    const b = await bot("lookups");
    const get = (url: string, method: "GET" | "DELETE" = "GET") => app.inject({ method, url, headers: b.headers });
    for (const url of [
      "/alpaca/v2/orders/not-a-uuid",
      "/alpaca/v2/orders/00000000-0000-4000-8000-000000000000",
      "/alpaca/v2/positions/BTCUSD",
      "/alpaca/v2/assets/DOGE%2FUSD",
      "/alpaca/v2/watchlists",
    ]) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.json().code, url).toBe(40410000);
    }
    const filled = await b.post(order({ client_order_id: "once" }));
    expect(filled.statusCode).toBe(200);
    const again = await b.post(order({ client_order_id: "once" }));
    expect(again.statusCode).toBe(422);
    expect(again.json()).toEqual({ code: 40010001, message: "client_order_id must be unique" });
    const cancel = await get(`/alpaca/v2/orders/${filled.json().id}`, "DELETE");
    expect(cancel.statusCode).toBe(422);
    expect(cancel.json().code).toBe(42210000);
    expect(await b.orderCount()).toBe(1);
    // Every way of writing the symbol reaches the position.
    for (const form of ["BTCUSD", "BTC/USD", "BTC%2FUSD"]) {
      const res = await get(`/alpaca/v2/positions/${form}`);
      expect(res.statusCode, form).toBe(200);
      expect(res.json()).toMatchObject({ symbol: "BTCUSD", qty: "0.01" });
    }
    const closeBad = await get("/alpaca/v2/positions/BTCUSD?percentage=150", "DELETE");
    expect(closeBad.statusCode).toBe(422);
    const closeTooMuch = await get("/alpaca/v2/positions/BTCUSD?qty=1", "DELETE");
    expect(closeTooMuch.statusCode).toBe(403);
    expect(await b.orderCount()).toBe(1);
  });

  it("serves market data without a key and refuses bad timeframes, symbols and page tokens", async () => {
    const ok = await app.inject({ method: "GET", url: "/alpaca/v1beta3/crypto/us/latest/trades?symbols=BTC/USD" });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().trades["BTC/USD"]).toMatchObject({ p: 60000 });
    for (const query of [
      "bars?symbols=BTC/USD&timeframe=7Min",
      "bars?symbols=BTC/USD&timeframe=1Month",
      "bars?symbols=DOGE/USD",
      "bars?symbols=BTC/USD&page_token=garbage",
      "bars?symbols=BTC/USD&start=yesterday",
      "bars?timeframe=1Min",
      "latest/quotes?symbols=XYZ",
    ]) {
      const res = await app.inject({ method: "GET", url: `/alpaca/v1beta3/crypto/us/${query}` });
      expect(res.statusCode, query).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, query).toBeLessThan(500);
      expect(res.json().code, query).toBe(40010000);
    }
  });

  it("the crypto stream speaks JSON without the msgpack header; a revoked key's streams are closed", async () => {
    const b = await bot("stream-json", "read");
    const socket = new WebSocket(`${wsBase}/v1beta3/crypto/us`);
    const received: Record<string, unknown>[] = [];
    socket.on("message", (data) => received.push(...(JSON.parse(data.toString()) as Record<string, unknown>[])));
    const closed = new Promise<number>((resolve) => socket.on("close", (code) => resolve(code)));
    await new Promise((resolve) => socket.on("open", resolve));
    const waitFor = async (test: (m: Record<string, unknown>) => boolean) => {
      for (let i = 0; i < 500; i++) {
        const found = received.find(test);
        if (found) return found;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error("message not received");
    };
    await waitFor((m) => m.T === "success" && m.msg === "connected");
    socket.send(JSON.stringify({ action: "subscribe", trades: ["BTC/USD"] }));
    await waitFor((m) => m.T === "error" && m.code === 401);
    socket.send("not json");
    await waitFor((m) => m.T === "error" && m.code === 400);
    socket.send(JSON.stringify({ action: "auth", key: b.key.keyId, secret: b.key.secret }));
    await waitFor((m) => m.msg === "authenticated");
    socket.send(JSON.stringify({ action: "subscribe", trades: ["BTCUSD"], bars: ["*"], quotes: ["NOPE/USD"] }));
    const ack = await waitFor((m) => m.T === "subscription");
    expect(ack).toEqual({
      T: "subscription",
      trades: ["BTC/USD"],
      quotes: [],
      bars: ["*"],
      updatedBars: [],
      dailyBars: [],
      orderbooks: [],
    });
    await waitFor((m) => m.T === "error" && m.code === 410);
    feed.trade("BTC-USD", "60100.00", { quantity: "0.4" });
    const trade = await waitFor((m) => m.T === "t" && m.p === 60100);
    expect(trade).toMatchObject({ S: "BTC/USD", s: 0.4, t: expect.stringMatching(/Z$/) });
    // A minute later the bar closes and is sent.
    feed.trade("BTC-USD", "60200.00", { quantity: "0.1", time: Date.now() + 60_000 });
    await waitFor((m) => m.T === "b" && m.S === "BTC/USD");

    await app.inject({ method: "DELETE", url: `/api/api-keys/${b.key.id}`, headers: { cookie: b.cookie } });
    expect(await closed).toBe(4001);
  });

  it("the trade_updates stream refuses a wrong secret", async () => {
    const b = await bot("stream-wrong");
    const socket = new WebSocket(`${wsBase}/stream`);
    const messages: unknown[] = [];
    socket.on("message", (data) => messages.push(JSON.parse(data.toString())));
    const closed = new Promise<number>((resolve) => socket.on("close", (code) => resolve(code)));
    await new Promise((resolve) => socket.on("open", resolve));
    socket.send(JSON.stringify({ action: "authenticate", data: { key_id: b.key.keyId, secret_key: "wrong" } }));
    expect(await closed).toBe(4001);
    expect(messages).toEqual([{ stream: "authorization", data: { action: "authenticate", status: "unauthorized" } }]);
  });
});
