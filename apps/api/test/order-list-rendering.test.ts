import { randomUUID } from "node:crypto";
import { DEFAULT_MARKETS } from "@tradeboard/core";
import { type Database, insertFill, insertOrder } from "@tradeboard/db";
import fc from "fast-check";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ManualFeed } from "../src/market/feed.ts";
import { signedInUser, startTestApp } from "./helpers/app.ts";
import { testDrivers } from "./helpers/database.ts";

const specs = DEFAULT_MARKETS.filter((m) => m.symbol === "BTC-USD" || m.symbol === "ETH-USD");

// The order list is rendered by its statement (the database writes the page's JSON), one order by the
// api: both must show every kind of order alike, field for field.
describe.each(testDrivers)("the order list on %s", (driver) => {
  let database: Database;
  let app: FastifyInstance;
  let feed: ManualFeed;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ database, app, feed, stop } = await startTestApp({
      driver,
      overrides: { FEE_RATE: "0.001", SLIPPAGE_RATE: "0.0005" },
      specs,
    }));
  });
  afterAll(async () => {
    await stop?.();
  });

  const call = (cookie: string, method: "GET" | "POST" | "DELETE", url: string, payload?: object) =>
    app.inject({ method, url, headers: { cookie }, ...(payload ? { payload } : {}) });

  it("shows each order as the order itself is shown, with its fills, average price and exits", async () => {
    const { id: userId, cookie } = await signedInUser(database, "rene", { usd: "100000" });
    feed.trade("BTC-USD", "60000.00", { quantity: "1" });
    feed.trade("ETH-USD", "3000.00", { quantity: "1" });
    const place = async (body: object) => {
      const res = await call(cookie, "POST", "/api/trades", body);
      expect(res.statusCode, res.body).toBeLessThan(300);
      return res.json() as { id: string };
    };
    await place({
      symbol: "BTC-USD",
      side: "buy",
      type: "market",
      quantity: "0.001",
      clientOrderId: "rene:one.fill-1",
    });
    await place({
      symbol: "ETH-USD",
      side: "buy",
      type: "market",
      quantity: "1",
      takeProfit: "3300.00",
      stopLoss: "2800",
    });
    const resting = await place({
      symbol: "BTC-USD",
      side: "buy",
      type: "limit",
      quantity: "0.5",
      limitPrice: "50000.10",
    });
    const canceled = await place({
      symbol: "ETH-USD",
      side: "buy",
      type: "stop_limit",
      quantity: "0.25",
      stopPrice: "3500",
      limitPrice: "3510",
    });
    await call(cookie, "DELETE", `/api/trades/${canceled.id}`);
    await place({ symbol: "ETH-USD", side: "buy", type: "trailing_stop", quantity: "0.5", trailPercent: "2.5" });
    await app.trading.settled();
    // An order filled in parts at prices whose average has no end: 3000, then 3001 twice as much.
    for (const [price, quantity] of [
      ["3000", "0.1"],
      ["3001", "0.2"],
    ] as const) {
      await insertFill(database.db, {
        id: randomUUID(),
        orderId: resting.id,
        userId,
        symbol: "BTC-USD",
        side: "buy",
        price,
        quantity,
        fee: "0.300100000000000000",
      });
    }

    const page = await call(cookie, "GET", "/api/trades?limit=100");
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^application\/json/);
    const { orders, total } = page.json() as { orders: { id: string }[]; total: number };
    expect(total).toBe(7); // five placed, and the bracket's two exits
    expect(orders).toHaveLength(7);
    for (const order of orders) {
      expect(order).toEqual((await call(cookie, "GET", `/api/trades/${order.id}`)).json());
    }
    expect(orders.find((o) => o.id === resting.id)).toMatchObject({
      limitPrice: "50000.1",
      filledQuantity: "0.3",
      averagePrice: "3000.666666666666666666",
      fills: [
        { price: "3000", quantity: "0.1", fee: "0.3001" },
        { price: "3001", quantity: "0.2", fee: "0.3001" },
      ],
    });
    expect(orders.find((o) => o.id === canceled.id)).toMatchObject({
      status: "canceled",
      filledQuantity: "0",
      averagePrice: null,
      fills: [],
    });
    expect(orders.at(-1)).toMatchObject({ clientOrderId: "rene:one.fill-1", averagePrice: "60030", quantity: "0.001" });
    expect(orders.filter((o) => (o as { parentOrderId?: string }).parentOrderId)).toHaveLength(2);
  });

  it("writes any amounts, times and fills as the order itself shows them", async () => {
    // NUMERIC(38, 18) amounts: up to 20 digits before the point, up to 18 after, trailing zeros and all.
    const amount = fc
      .tuple(fc.bigInt({ min: 0n, max: 10n ** 20n - 1n }), fc.bigInt({ min: 0n, max: 10n ** 18n - 1n }), fc.nat(18))
      .map(([whole, part, places]) =>
        places === 0 ? `${whole}` : `${whole}.${part.toString().padStart(18, "0").slice(0, places)}`,
      );
    const positive = amount.filter((a) => /[1-9]/.test(a));
    const optional = fc.option(positive, { nil: null });
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          quantity: positive,
          limitPrice: optional,
          stopPrice: optional,
          trailPercent: optional,
          takeProfitPrice: optional,
          fills: fc.array(fc.record({ price: positive, quantity: positive, fee: amount }), { maxLength: 3 }),
          // Any millisecond from 1970 to 2100.
          createdAt: fc.integer({ min: 0, max: 4_102_444_800_000 }).map((ms) => new Date(ms)),
        }),
        async (drawn) => {
          const { id: userId, cookie } = await signedInUser(database, "ines");
          const order = await insertOrder(database.db, {
            userId,
            requestHash: "property",
            symbol: "BTC-USD",
            side: "buy",
            type: "limit",
            status: "new",
            timeInForce: "gtc",
            quantity: drawn.quantity,
            limitPrice: drawn.limitPrice,
            stopPrice: drawn.stopPrice,
            trailPercent: drawn.trailPercent,
            takeProfitPrice: drawn.takeProfitPrice,
            createdAt: drawn.createdAt,
          });
          if (!order) throw new Error("order not inserted");
          for (const f of drawn.fills) {
            await insertFill(database.db, {
              id: randomUUID(),
              orderId: order.id,
              userId,
              symbol: "BTC-USD",
              side: "buy",
              ...f,
            });
          }
          const page = (await call(cookie, "GET", "/api/trades")).json() as { orders: unknown[]; total: number };
          expect(page).toEqual({ orders: [(await call(cookie, "GET", `/api/trades/${order.id}`)).json()], total: 1 });
        },
      ),
      { numRuns: 25 },
    );
  });

  it("counts every matching order on a page past the last, and an account without orders has an empty list", async () => {
    const { cookie } = await signedInUser(database, "sol", { usd: "100000" });
    expect((await call(cookie, "GET", "/api/trades")).json()).toEqual({ orders: [], total: 0 });
    feed.trade("BTC-USD", "60000.00", { quantity: "1" });
    for (let i = 0; i < 3; i++) {
      await call(cookie, "POST", "/api/trades", { symbol: "BTC-USD", side: "buy", type: "market", quantity: "0.001" });
    }
    expect((await call(cookie, "GET", "/api/trades?limit=2&offset=5")).json()).toEqual({ orders: [], total: 3 });
    const second = (await call(cookie, "GET", "/api/trades?limit=2&offset=2")).json();
    expect(second.total).toBe(3);
    expect(second.orders).toHaveLength(1);
  });
});
