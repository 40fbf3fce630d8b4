import { DEFAULT_MARKETS, Decimal } from "@tradeboard/core";
import type { Database } from "@tradeboard/db";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ManualFeed } from "../src/market/feed.ts";
import { signedInUser, startTestApp, testApp } from "./helpers/app.ts";
import { testDrivers } from "./helpers/database.ts";
import { balancesOf, expectLedgerMatches } from "./helpers/ledger.ts";

const specs = DEFAULT_MARKETS.filter((m) => m.symbol === "BTC-USD" || m.symbol === "ETH-USD");
const rates = { FEE_RATE: "0.001", SLIPPAGE_RATE: "0.0005" };

describe.each(testDrivers)("paper trading on %s", (driver) => {
  let database: Database;
  let app: FastifyInstance;
  let feed: ManualFeed;

  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ database, app, feed, stop } = await startTestApp({ driver: driver, overrides: rates, specs }));
  });
  afterAll(async () => {
    await stop?.();
  });

  /** A new user with the 100,000 USD paper balance, and their session cookie. */
  const trader = (name: string) => signedInUser(database, name, { usd: "100000" });

  const call = (cookie: string, method: "GET" | "POST" | "DELETE", url: string, payload?: object) =>
    app.inject({ method, url, headers: { cookie }, ...(payload ? { payload } : {}) });

  const balances = (userId: string) => balancesOf(database.db, userId);
  const ledgerMatches = (userId: string) => expectLedgerMatches(database.db, userId);

  it("fills a market buy at once at the last price plus slippage, with the fee", async () => {
    const { id, cookie } = await trader("ada");
    feed.trade("BTC-USD", "60000.00", { quantity: "1" });
    const res = await call(cookie, "POST", "/api/trades", {
      symbol: "BTC-USD",
      side: "buy",
      type: "market",
      quantity: "0.5",
    });
    expect(res.statusCode).toBe(201);
    // 60000 × 1.0005 = 60030.00; notional 0.5 × 60030 = 30015; fee 0.1 % = 30.015 → 30.02 (rounded up to the cent)
    expect(res.json()).toMatchObject({
      status: "filled",
      quantity: "0.5",
      filledQuantity: "0.5",
      averagePrice: "60030",
      fills: [{ price: "60030", quantity: "0.5", fee: "30.02" }],
    });
    // 100000 − 30015 − 30.02 = 69954.98
    expect(await balances(id)).toEqual({
      BTC: { available: "0.5", held: "0" },
      USD: { available: "69954.98", held: "0" },
    });
    await ledgerMatches(id);

    const portfolio = (await call(cookie, "GET", "/api/portfolio")).json();
    feed.trade("BTC-USD", "61000.00", { quantity: "1" });
    const later = (await call(cookie, "GET", "/api/portfolio")).json();
    expect(portfolio.positions).toEqual([
      {
        symbol: "BTC-USD",
        quantity: "0.5",
        averageCost: "60030.00",
        marketValue: "30000.00",
        unrealizedPnl: "-15.00",
        realizedPnl: "0.00",
      },
    ]);
    // 0.5 × 61000 = 30500; equity 69954.98 + 30500 = 100454.98
    expect(later).toMatchObject({
      positions: [{ marketValue: "30500.00", unrealizedPnl: "485.00" }],
      equity: "100454.98",
    });
  });

  it("rests a limit buy, reserving its cost, and fills it when the price falls to it", async () => {
    const { id, cookie } = await trader("bea");
    feed.trade("ETH-USD", "3000.00", { quantity: "1" });
    const placed = await call(cookie, "POST", "/api/trades", {
      symbol: "ETH-USD",
      side: "buy",
      type: "limit",
      quantity: "2",
      limitPrice: "2900.00",
    });
    expect(placed.statusCode).toBe(201);
    expect(placed.json()).toMatchObject({ status: "new", filledQuantity: "0", averagePrice: null });
    // held: 2 × 2900 = 5800 + fee 5.80 = 5805.80
    expect(await balances(id)).toEqual({ USD: { available: "94194.2", held: "5805.8" } });

    feed.trade("ETH-USD", "2950.00", { quantity: "1" });
    await app.trading.settled();
    expect((await call(cookie, "GET", `/api/trades/${placed.json().id}`)).json().status).toBe("new");

    feed.trade("ETH-USD", "2890.00", { quantity: "1" }); // gapped below the limit: fills at 2890, better
    await app.trading.settled();
    const filled = (await call(cookie, "GET", `/api/trades/${placed.json().id}`)).json();
    expect(filled).toMatchObject({ status: "filled", averagePrice: "2890", fills: [{ price: "2890", fee: "5.78" }] });
    // 100000 − 5780 − 5.78 = 94214.22, nothing held any more
    expect(await balances(id)).toEqual({
      ETH: { available: "2", held: "0" },
      USD: { available: "94214.22", held: "0" },
    });
    await ledgerMatches(id);
  });

  it("cancels an open order and gives its funds back; only once, and only for its owner", async () => {
    const { id, cookie } = await trader("cy");
    const other = await trader("eve");
    feed.trade("BTC-USD", "60000.00", { quantity: "1" });
    const placed = (
      await call(cookie, "POST", "/api/trades", {
        symbol: "BTC-USD",
        side: "buy",
        type: "limit",
        quantity: "0.1",
        limitPrice: "50000.00",
        clientOrderId: "cy-1",
      })
    ).json();
    expect((await call(other.cookie, "GET", `/api/trades/${placed.id}`)).statusCode).toBe(404);
    expect((await call(other.cookie, "DELETE", `/api/trades/${placed.id}`)).statusCode).toBe(404);
    expect((await call(other.cookie, "GET", "/api/trades/by-client-id/cy-1")).statusCode).toBe(404);

    const canceled = await call(cookie, "DELETE", "/api/trades/by-client-id/cy-1");
    expect(canceled.statusCode).toBe(200);
    expect(canceled.json()).toMatchObject({ id: placed.id, status: "canceled" });
    expect(await balances(id)).toEqual({ USD: { available: "100000", held: "0" } });
    const again = await call(cookie, "DELETE", `/api/trades/${placed.id}`);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: { code: "order_not_open" } });
    feed.trade("BTC-USD", "49000.00", { quantity: "1" });
    await app.trading.settled();
    expect((await call(cookie, "GET", `/api/trades/${placed.id}`)).json().status).toBe("canceled");
    await ledgerMatches(id);
    feed.trade("BTC-USD", "60000.00", { quantity: "1" });
  });

  it("returns the first order for a repeated clientOrderId, even 50 at once, and refuses a different body", async () => {
    const { cookie } = await trader("dee");
    feed.trade("BTC-USD", "60000.00", { quantity: "1" });
    const body = {
      symbol: "BTC-USD",
      side: "buy",
      type: "limit",
      quantity: "0.01",
      limitPrice: "55000.00",
      clientOrderId: "same-key",
    };
    const answers = await Promise.all(Array.from({ length: 50 }, () => call(cookie, "POST", "/api/trades", body)));
    const ids = new Set(answers.map((a) => a.json().id));
    expect(ids.size).toBe(1);
    expect(answers.filter((a) => a.statusCode === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.statusCode === 200)).toHaveLength(49);
    const list = (await call(cookie, "GET", "/api/trades?open=true")).json();
    expect(list.total).toBe(1);
    const conflict = await call(cookie, "POST", "/api/trades", { ...body, quantity: "0.02" });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json()).toMatchObject({ error: { code: "duplicate_client_order_id" } });
  });

  it("lists orders by market, side, status and openness, alone and together, a page at a time", async () => {
    const { cookie } = await trader("gil");
    feed.trade("BTC-USD", "60000.00", { quantity: "1" });
    feed.trade("ETH-USD", "3000.00", { quantity: "1" });
    const place = async (body: object) =>
      expect((await call(cookie, "POST", "/api/trades", body)).statusCode).toBe(201);
    await place({ symbol: "BTC-USD", side: "buy", type: "market", quantity: "0.1" });
    await place({ symbol: "BTC-USD", side: "sell", type: "market", quantity: "0.05" });
    await place({ symbol: "ETH-USD", side: "buy", type: "market", quantity: "1" });
    await place({ symbol: "ETH-USD", side: "buy", type: "limit", quantity: "1", limitPrice: "2000.00" });
    const list = async (query: string) => {
      const res = await call(cookie, "GET", `/api/trades${query}`);
      expect(res.statusCode).toBe(200);
      const body = res.json() as { total: number; orders: { symbol: string; side: string; status: string }[] };
      return { total: body.total, orders: body.orders.map((o) => `${o.symbol} ${o.side} ${o.status}`) };
    };
    // Each shape of filter is asked twice, with different values, so a page never answers with another's.
    expect(await list("")).toMatchObject({ total: 4 });
    expect(await list("?symbol=BTC-USD")).toEqual({ total: 2, orders: ["BTC-USD sell filled", "BTC-USD buy filled"] });
    expect(await list("?symbol=ETH-USD")).toEqual({ total: 2, orders: ["ETH-USD buy new", "ETH-USD buy filled"] });
    expect(await list("?side=sell")).toEqual({ total: 1, orders: ["BTC-USD sell filled"] });
    expect(await list("?side=buy&symbol=ETH-USD&open=false")).toEqual({ total: 1, orders: ["ETH-USD buy filled"] });
    expect(await list("?side=buy&symbol=BTC-USD&open=false")).toEqual({ total: 1, orders: ["BTC-USD buy filled"] });
    expect(await list("?open=true")).toEqual({ total: 1, orders: ["ETH-USD buy new"] });
    expect(await list("?status=filled&limit=2")).toEqual({
      total: 3,
      orders: ["ETH-USD buy filled", "BTC-USD sell filled"],
    });
    expect(await list("?status=filled&limit=2&offset=2")).toEqual({ total: 3, orders: ["BTC-USD buy filled"] });
    expect(await list("?status=new&offset=5")).toEqual({ total: 1, orders: [] });
  });

  it("accepts 200 simultaneous orders only up to the balance", async () => {
    const { id, cookie } = await trader("fay");
    feed.trade("ETH-USD", "3000.00", { quantity: "1" });
    // Each reserves 0.2 × 2500 = 500 + 0.50 fee = 500.50; 100000 / 500.50 → 199 fit, so ask for 250.
    const answers = await Promise.all(
      Array.from({ length: 250 }, () =>
        call(cookie, "POST", "/api/trades", {
          symbol: "ETH-USD",
          side: "buy",
          type: "limit",
          quantity: "0.2",
          limitPrice: "2500.00",
        }),
      ),
    );
    const accepted = answers.filter((a) => a.statusCode === 201).length;
    const refused = answers.filter((a) => a.statusCode === 422);
    expect(accepted).toBe(199);
    expect(refused).toHaveLength(51);
    expect(refused[0]?.json()).toMatchObject({
      error: { code: "insufficient_funds", message: expect.stringContaining("USD") },
    });
    const usd = (await balances(id)).USD;
    expect(usd?.held).toBe(new Decimal("500.5").times(199).toFixed());
    await ledgerMatches(id);
  });

  it("fills simultaneous market buys and sells of one account only up to what it holds", async () => {
    const { id, cookie } = await trader("flo");
    feed.trade("BTC-USD", "60000.00", { quantity: "1" });
    const first = await call(cookie, "POST", "/api/trades", {
      symbol: "BTC-USD",
      side: "buy",
      type: "market",
      quantity: "1",
    });
    expect(first.statusCode).toBe(201);
    // 100000 − 60030 − 60.03 = 39909.97 USD and 1 BTC; 60 buys of 0.1 (6009.01 each) and 60 sells of 0.05 want far more.
    const orders = Array.from({ length: 120 }, (_, i) => ({
      symbol: "BTC-USD",
      side: i % 2 === 0 ? "buy" : "sell",
      type: "market",
      quantity: i % 2 === 0 ? "0.1" : "0.05",
    }));
    const answers = await Promise.all(orders.map((body) => call(cookie, "POST", "/api/trades", body)));
    // Every answer is a fill or a refusal: no lock cycle, no other error.
    expect(answers.filter((a) => a.statusCode !== 201 && a.statusCode !== 422).map((a) => a.body)).toEqual([]);
    const bought = answers.filter((a, i) => a.statusCode === 201 && i % 2 === 0).length;
    const sold = answers.filter((a, i) => a.statusCode === 201 && i % 2 === 1).length;
    expect(bought).toBeGreaterThan(0);
    expect(sold).toBeGreaterThan(0);
    expect(answers.some((a) => a.statusCode === 422)).toBe(true);
    const btc = new Decimal(1).plus(new Decimal("0.1").times(bought)).minus(new Decimal("0.05").times(sold));
    expect((await balances(id)).BTC).toEqual({ available: btc.toFixed(), held: "0" });
    const portfolio = (await call(cookie, "GET", "/api/portfolio")).json();
    expect(portfolio.positions[0]?.quantity ?? "0").toBe(btc.toFixed());
    expect((await call(cookie, "GET", "/api/trades?limit=1")).json().total).toBe(1 + bought + sold);
    await ledgerMatches(id);
  });

  it("fills simultaneous first buys of an asset the account never held (no balance or position row yet)", async () => {
    const { id, user } = await trader("ned");
    feed.trade("BTC-USD", "60000.00", { quantity: "1" });
    const body = { symbol: "BTC-USD", side: "buy", type: "market", quantity: "0.01", timeInForce: "gtc" } as const;
    // Straight to the service: through HTTP the requests arrive too spread out to race as tightly.
    const answers = await Promise.allSettled(Array.from({ length: 20 }, () => app.trading.placeOrder(user, body)));
    expect(answers.filter((a) => a.status === "rejected").map((a) => String(a.reason))).toEqual([]);
    expect((await balances(id)).BTC).toEqual({ available: "0.2", held: "0" });
    await ledgerMatches(id);
  });

  it("lists only the user's orders, each exactly as GET /api/trades/:id shows it, with the total on every page", async () => {
    const { cookie } = await trader("lia");
    const other = await trader("max");
    feed.trade("BTC-USD", "60000.00", { quantity: "1" });
    const market = { symbol: "BTC-USD", side: "buy", type: "market", quantity: "0.01" };
    await call(cookie, "POST", "/api/trades", market);
    await call(cookie, "POST", "/api/trades", { ...market, type: "limit", limitPrice: "50000.00" });
    await call(cookie, "POST", "/api/trades", { ...market, side: "sell", quantity: "0.005" });
    await call(other.cookie, "POST", "/api/trades", market);
    const pages = await Promise.all(
      [0, 2, 3, 10].map(async (offset) => (await call(cookie, "GET", `/api/trades?limit=2&offset=${offset}`)).json()),
    );
    expect(pages.map((p) => [p.orders.length, p.total])).toEqual([
      [2, 3],
      [1, 3],
      [0, 3],
      [0, 3],
    ]);
    const listed = [...pages[0].orders, ...pages[1].orders];
    expect(listed.map((o) => [o.type, o.side, o.fills.length])).toEqual([
      ["market", "sell", 1],
      ["limit", "buy", 0],
      ["market", "buy", 1],
    ]);
    for (const order of listed) expect(order).toEqual((await call(cookie, "GET", `/api/trades/${order.id}`)).json());
    expect((await call(cookie, "GET", "/api/trades?open=true")).json()).toMatchObject({ total: 1 });
  });

  it("refuses what cannot be done with a clear 4xx", async () => {
    const { cookie } = await trader("gus");
    feed.trade("BTC-USD", "60000.00", { quantity: "1" });
    const cases: [object, number, string][] = [
      [{ symbol: "BTC-USD", side: "buy", type: "market", quantity: 0.5 }, 400, "decimal strings"],
      [{ symbol: "BTC-USD", side: "buy", type: "market", quantity: "0.000001" }, 422, "lot size"],
      [{ symbol: "BTC-USD", side: "buy", type: "limit", quantity: "0.1", limitPrice: "50000.005" }, 422, "tick size"],
      [{ symbol: "BTC-USD", side: "buy", type: "market", quantity: "0.00001" }, 422, "minimum"],
      [{ symbol: "BTC-USD", side: "buy", type: "limit", quantity: "0.1" }, 422, "limitPrice"],
      [{ symbol: "BTC-USD", side: "sell", type: "market", quantity: "1" }, 422, "BTC"],
      [{ symbol: "BTC-USD", side: "buy", type: "market", quantity: "10" }, 422, "USD"],
      [{ symbol: "XRP-USD", side: "buy", type: "market", quantity: "1" }, 404, "no market"],
      [{ symbol: "BTC-USD", side: "buy", type: "market", quantity: "1", notional: "100" }, 422, "either"],
    ];
    for (const [body, status, text] of cases) {
      const res = await call(cookie, "POST", "/api/trades", body);
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      expect(res.json().error.message).toContain(text);
    }
    expect((await call(cookie, "GET", "/api/trades")).json().total).toBe(0);
  });

  it("cancels an immediate-or-cancel limit that cannot fill, and buys by amount", async () => {
    const { id, cookie } = await trader("hal");
    feed.trade("BTC-USD", "60000.00", { quantity: "1" });
    const ioc = await call(cookie, "POST", "/api/trades", {
      symbol: "BTC-USD",
      side: "buy",
      type: "limit",
      quantity: "0.1",
      limitPrice: "59000.00",
      timeInForce: "ioc",
    });
    expect(ioc.json()).toMatchObject({ status: "canceled", reason: expect.stringContaining("immediate-or-cancel") });
    const byAmount = await call(cookie, "POST", "/api/trades", {
      symbol: "BTC-USD",
      side: "buy",
      type: "market",
      notional: "1000",
    });
    // 1000 / 60000 = 0.016666… → 0.01666 (down to the lot of 0.00001) at 60030
    expect(byAmount.json()).toMatchObject({ status: "filled", quantity: "0.01666", averagePrice: "60030" });
    await ledgerMatches(id);
  });

  it("triggers a stop as a market order when the price rises through it", async () => {
    const { id, cookie } = await trader("ivy");
    feed.trade("ETH-USD", "3000.00", { quantity: "1" });
    const stop = (
      await call(cookie, "POST", "/api/trades", {
        symbol: "ETH-USD",
        side: "buy",
        type: "stop",
        quantity: "1",
        stopPrice: "3100.00",
      })
    ).json();
    expect(stop.status).toBe("new");
    feed.trade("ETH-USD", "3120.00", { quantity: "1" });
    await app.trading.settled();
    // 3120 × 1.0005 = 3121.56
    expect((await call(cookie, "GET", `/api/trades/${stop.id}`)).json()).toMatchObject({
      status: "filled",
      averagePrice: "3121.56",
    });
    // And sells it again at a profit: realized P&L = 3200 × 0.9995 = 3198.40 − 3121.56 = 76.84
    feed.trade("ETH-USD", "3200.00", { quantity: "1" });
    await call(cookie, "POST", "/api/trades", { symbol: "ETH-USD", side: "sell", type: "market", quantity: "1" });
    const portfolio = (await call(cookie, "GET", "/api/portfolio")).json();
    expect(portfolio.positions).toEqual([
      expect.objectContaining({ symbol: "ETH-USD", quantity: "0", realizedPnl: "76.84" }),
    ]);
    await ledgerMatches(id);
  });

  it("keeps resting orders across a restart and fills them on the next cross", async () => {
    const { id, cookie } = await trader("jo");
    feed.trade("BTC-USD", "60000.00", { quantity: "1" });
    await call(cookie, "POST", "/api/trades", { symbol: "BTC-USD", side: "buy", type: "market", quantity: "0.01" });
    const placed = await call(cookie, "POST", "/api/trades", {
      symbol: "BTC-USD",
      side: "sell",
      type: "limit",
      quantity: "0.01",
      limitPrice: "70000.00",
    });
    expect(placed.statusCode).toBe(201);
    // The BTC is reserved by the resting sell.
    expect((await balances(id)).BTC).toEqual({ available: "0", held: "0.01" });

    const second = await testApp(database, rates, { specs });
    await second.app.markets.init();
    expect(await second.app.trading.rebuild()).toBeGreaterThanOrEqual(1);
    second.app.markets.start();
    second.feed.trade("BTC-USD", "70500.00", { quantity: "1" });
    await second.app.trading.settled();
    await second.app.close();
    // Gapped above the limit: sold at 70500, better than asked.
    const after = (await call(cookie, "GET", `/api/trades/${placed.json().id}`)).json();
    expect(after).toMatchObject({ status: "filled", averagePrice: "70500" });
    await ledgerMatches(id);
  });

  it("exports orders and fills as CSV, resets the account, and charts equity", async () => {
    const { id, cookie } = await trader("kim");
    feed.trade("ETH-USD", "3000.00", { quantity: "1" });
    const bad = await call(cookie, "POST", "/api/trades", {
      symbol: "ETH-USD",
      side: "buy",
      type: "market",
      quantity: "1",
      clientOrderId: "kim,1",
    });
    expect(bad.statusCode).toBe(400);
    await call(cookie, "POST", "/api/trades", {
      symbol: "ETH-USD",
      side: "buy",
      type: "market",
      quantity: "1",
      clientOrderId: "kim-1",
    });
    await call(cookie, "POST", "/api/trades", {
      symbol: "ETH-USD",
      side: "buy",
      type: "limit",
      quantity: "1",
      limitPrice: "2000.00",
    });

    const csv = await call(cookie, "GET", "/api/trades/export.csv?symbol=ETH-USD");
    expect(csv.statusCode).toBe(200);
    expect(csv.headers["content-type"]).toContain("text/csv");
    expect(csv.headers["content-disposition"]).toContain("attachment");
    const lines = csv.body.trim().split("\n");
    expect(lines[0]).toBe(
      "order_id,client_order_id,created_at,symbol,side,type,status,quantity,limit_price,stop_price,fill_time,fill_price,fill_quantity,fee",
    );
    expect(lines).toHaveLength(3);
    // Newest first: the resting limit (no fill), then the market buy with its fill at 3001.50, fee 3.01
    expect(lines[1]).toMatch(/,ETH-USD,buy,limit,new,1,2000,,,,,$/);
    expect(lines[2]).toMatch(/,kim-1,.*,ETH-USD,buy,market,filled,1,,,[^,]+,3001.5,1,3.01$/);

    const history = await call(cookie, "GET", "/api/portfolio/history?range=24h");
    expect(history.statusCode).toBe(200);
    const points = history.json().points as { time: number; equity: string }[];
    // The account is minutes old: its series starts with it, not with a day of zeros.
    expect(points.length).toBeGreaterThanOrEqual(1);
    expect(points.every((p) => p.equity !== "0.00")).toBe(true);
    // Now: 100000 − 3001.50 − 3.01 in cash (2001.00 of it reserved) plus 1 ETH at 3000 = 99995.49
    expect(points.at(-1)?.equity).toBe("99995.49");
    expect((await call(cookie, "GET", "/api/portfolio/history?range=1y")).statusCode).toBe(400);

    const reset = await call(cookie, "POST", "/api/portfolio/reset");
    expect(reset.statusCode).toBe(200);
    expect(reset.json()).toMatchObject({ positions: [], equity: "100000.00" });
    expect(await balances(id)).toEqual({ ETH: { available: "0", held: "0" }, USD: { available: "100000", held: "0" } });
    expect((await call(cookie, "GET", "/api/trades?open=true")).json().total).toBe(0);
    await ledgerMatches(id);
  });

  it("places a bracket's exits when the buy fills; one cancels the other", async () => {
    const { id, cookie } = await trader("lou");
    feed.trade("ETH-USD", "3000.00", { quantity: "1" });
    const refused = await call(cookie, "POST", "/api/trades", {
      symbol: "ETH-USD",
      side: "buy",
      type: "market",
      quantity: "1",
      takeProfit: "2900.00",
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.message).toContain("takeProfit must be above");

    const buy = await call(cookie, "POST", "/api/trades", {
      symbol: "ETH-USD",
      side: "buy",
      type: "market",
      quantity: "1",
      takeProfit: "3300.00",
      stopLoss: "2800.00",
    });
    expect(buy.json()).toMatchObject({ status: "filled", takeProfit: "3300", stopLoss: "2800" });
    const open = (await call(cookie, "GET", "/api/trades?open=true")).json().orders as {
      id: string;
      type: string;
      side: string;
      parentOrderId: string;
    }[];
    expect(open.map((o) => [o.side, o.type, o.parentOrderId]).sort()).toEqual([
      ["sell", "limit", buy.json().id],
      ["sell", "stop", buy.json().id],
    ]);
    // The bought ETH is reserved once, by the two exits together.
    expect((await balances(id)).ETH).toEqual({ available: "0", held: "1" });

    feed.trade("ETH-USD", "2790.00", { quantity: "1" }); // the stop-loss fires
    await app.trading.settled();
    const after = (await call(cookie, "GET", "/api/trades?limit=10")).json().orders as {
      type: string;
      status: string;
      reason: string | null;
    }[];
    expect(after.find((o) => o.type === "stop")?.status).toBe("filled");
    expect(after.find((o) => o.type === "limit")).toMatchObject({
      status: "canceled",
      reason: expect.stringContaining("one-cancels-other"),
    });
    expect((await balances(id)).ETH).toEqual({ available: "0", held: "0" });
    feed.trade("ETH-USD", "3400.00", { quantity: "1" });
    await app.trading.settled();
    expect((await call(cookie, "GET", "/api/trades?open=true")).json().total).toBe(0);
    await ledgerMatches(id);
  });

  it("trails a stop behind the best price, in percent or in price, and sells or buys when it is reached", async () => {
    const { id, cookie } = await trader("max");
    feed.trade("ETH-USD", "3000.00", { quantity: "1" });
    await call(cookie, "POST", "/api/trades", { symbol: "ETH-USD", side: "buy", type: "market", quantity: "1" });
    const missing = await call(cookie, "POST", "/api/trades", {
      symbol: "ETH-USD",
      side: "sell",
      type: "trailing_stop",
      quantity: "1",
    });
    expect(missing.statusCode).toBe(422);
    expect(missing.json().error.message).toContain("trailPercent or trailPrice");

    const sell = (
      await call(cookie, "POST", "/api/trades", {
        symbol: "ETH-USD",
        side: "sell",
        type: "trailing_stop",
        quantity: "1",
        trailPercent: "2",
      })
    ).json();
    // 3000 × 0.98 = 2940
    expect(sell).toMatchObject({ status: "new", stopPrice: "2940", trailPercent: "2" });
    expect((await balances(id)).ETH).toEqual({ available: "0", held: "1" });
    feed.trade("ETH-USD", "3100.00", { quantity: "1" }); // new high: 3100 × 0.98 = 3038
    feed.trade("ETH-USD", "3050.00", { quantity: "1" }); // lower, but above the stop: the stop stays
    await app.trading.settled();
    expect((await call(cookie, "GET", `/api/trades/${sell.id}`)).json()).toMatchObject({
      status: "new",
      stopPrice: "3038",
    });
    feed.trade("ETH-USD", "3038.00", { quantity: "1" });
    await app.trading.settled();
    // Sold as a market order: 3038 × 0.9995 = 3036.481 → 3036.48
    expect((await call(cookie, "GET", `/api/trades/${sell.id}`)).json()).toMatchObject({
      status: "filled",
      averagePrice: "3036.48",
    });

    const buy = (
      await call(cookie, "POST", "/api/trades", {
        symbol: "ETH-USD",
        side: "buy",
        type: "trailing_stop",
        quantity: "1",
        trailPrice: "100.00",
      })
    ).json();
    expect(buy).toMatchObject({ status: "new", stopPrice: "3138" }); // 3038 + 100
    feed.trade("ETH-USD", "2900.00", { quantity: "1" }); // new low: the stop follows down to 3000
    feed.trade("ETH-USD", "2990.00", { quantity: "1" });
    await app.trading.settled();
    expect((await call(cookie, "GET", `/api/trades/${buy.id}`)).json()).toMatchObject({
      status: "new",
      stopPrice: "3000",
    });
    feed.trade("ETH-USD", "3000.00", { quantity: "1" });
    await app.trading.settled();
    // 3000 × 1.0005 = 3001.50
    expect((await call(cookie, "GET", `/api/trades/${buy.id}`)).json()).toMatchObject({
      status: "filled",
      averagePrice: "3001.5",
    });
    await ledgerMatches(id);
  });
});
