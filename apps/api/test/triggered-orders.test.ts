import { DEFAULT_MARKETS } from "@tradeboard/core";
import type { Database } from "@tradeboard/db";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signedInUser, testApp } from "./helpers/app.ts";
import { openTestDatabase, testDrivers } from "./helpers/database.ts";
import { balancesOf, expectLedgerMatches } from "./helpers/ledger.ts";

const specs = DEFAULT_MARKETS.filter((m) => m.symbol === "ETH-USD");
const rates = { FEE_RATE: "0.001", SLIPPAGE_RATE: "0.0005" };

/** Resting orders when their trigger comes: what the README promises of them beyond the happy path. */
describe.each(testDrivers)("triggered orders on %s", (driver) => {
  let database: Database;
  const running: FastifyInstance[] = [];

  beforeAll(async () => {
    database = await openTestDatabase(driver);
  });
  afterAll(async () => {
    for (const app of running) await app.close();
    await database?.close();
  });

  /** One api instance on the shared database, started as main.ts starts it (indexes rebuilt from the database). */
  async function instance() {
    const { app, feed } = await testApp(database, rates, { specs });
    running.push(app);
    await app.markets.init();
    await app.trading.rebuild();
    app.markets.start();
    return { app, feed };
  }

  const call = (app: FastifyInstance, cookie: string, method: "GET" | "POST", url: string, payload?: object) =>
    app.inject({ method, url, headers: { cookie }, ...(payload ? { payload } : {}) });

  const balances = (userId: string) => balancesOf(database.db, userId);
  const ledgerMatches = (userId: string) => expectLedgerMatches(database.db, userId);

  it("rejects a buy stop and a buy trailing stop the account can no longer pay for when the price gaps, balances intact", async () => {
    const { app, feed } = await instance();
    feed.trade("ETH-USD", "3000.00", { quantity: "1" });
    const place = (cookie: string, body: object) =>
      call(app, cookie, "POST", "/api/trades", { symbol: "ETH-USD", side: "buy", quantity: "1", ...body });
    const stop = { type: "stop", stopPrice: "3100.00" };
    const trailing = { type: "trailing_stop", trailPrice: "100.00" }; // its stop: 3000 + 100 = 3100

    // Each spender's order reserves its stop plus slippage plus the fee: 3100 × 1.0005 = 3101.55, fee
    // 3.10155 → 3.11: 3104.66 of the 5000, leaving 1895.34.
    const spenders = [];
    for (const body of [stop, trailing]) {
      const spender = await signedInUser(database, "spender", { usd: "5000" });
      const order = (await place(spender.cookie, body)).json();
      expect(order).toMatchObject({ status: "new", stopPrice: "3100" });
      expect((await balances(spender.id)).USD).toEqual({ available: "1895.34", held: "3104.66" });
      // The rest is spent after placing: 0.6 ETH at 3000 × 1.0005 = 3001.50 → 1800.90, fee 1.8009 → 1.81.
      const spent = await place(spender.cookie, { type: "market", quantity: "0.6" });
      expect(spent.json()).toMatchObject({ status: "filled" });
      expect((await balances(spender.id)).USD).toEqual({ available: "92.63", held: "3104.66" });
      spenders.push({ ...spender, order });
    }
    // Beside them, an account that can still pay, with the same order.
    const payer = await signedInUser(database, "payer", { usd: "100000" });
    const paid = (await place(payer.cookie, stop)).json();

    // The price gaps to 4000: a fill costs 4000 × 1.0005 = 4002.00 + 4.002 → 4.01 fee = 4006.01, and each
    // spender has 92.63 + its 3104.66 reservation = 3197.29.
    feed.trade("ETH-USD", "4000.00", { quantity: "1" });
    await app.trading.settled();
    for (const spender of spenders) {
      expect((await call(app, spender.cookie, "GET", `/api/trades/${spender.order.id}`)).json()).toMatchObject({
        status: "rejected",
        reason: "insufficient funds at the trigger price",
        filledQuantity: "0",
        fills: [],
      });
      // Nothing bought, the reservation back, nothing lost.
      expect(await balances(spender.id)).toEqual({
        ETH: { available: "0.6", held: "0" },
        USD: { available: "3197.29", held: "0" },
      });
      await ledgerMatches(spender.id);
      expect((await call(app, spender.cookie, "GET", "/api/trades?open=true")).json().total).toBe(0);
    }
    expect((await call(app, payer.cookie, "GET", `/api/trades/${paid.id}`)).json()).toMatchObject({
      status: "filled",
      averagePrice: "4002",
    });

    // A rejected order does not come back: not on the next crossing, not after a rebuild.
    expect(await app.trading.rebuild()).toBe(0);
    feed.trade("ETH-USD", "3000.00", { quantity: "1" });
    feed.trade("ETH-USD", "3100.00", { quantity: "1" });
    await app.trading.settled();
    for (const spender of spenders) {
      expect((await balances(spender.id)).USD).toEqual({ available: "3197.29", held: "0" });
      expect((await call(app, spender.cookie, "GET", "/api/trades?status=filled")).json().total).toBe(1);
    }
  });

  it("fills a stop-limit buy on the first trade within its limit after the stop, even one right behind the stop's", async () => {
    const { app, feed } = await instance();
    const { id, cookie } = await signedInUser(database, "stopper", { usd: "100000" });
    feed.trade("ETH-USD", "3000.00", { quantity: "1" });
    const order = (
      await call(app, cookie, "POST", "/api/trades", {
        symbol: "ETH-USD",
        side: "buy",
        type: "stop_limit",
        quantity: "1",
        stopPrice: "3100.00",
        limitPrice: "3150.00",
      })
    ).json();
    expect(order).toMatchObject({ status: "new" });
    // The stop is reached above the limit (no fill there), and the very next trade is within the limit:
    // two trades in a row, as a busy feed delivers them, before the engine has recorded the stop.
    feed.trade("ETH-USD", "3200.00", { quantity: "1" });
    feed.trade("ETH-USD", "3140.00", { quantity: "1" });
    await app.trading.settled();
    // Bought as a limit order at 3140 (better than the limit), no slippage; fee 3.14.
    expect((await call(app, cookie, "GET", `/api/trades/${order.id}`)).json()).toMatchObject({
      status: "filled",
      averagePrice: "3140",
    });
    // 100000 − 3140 − 3.14 = 96856.86
    expect(await balances(id)).toEqual({
      ETH: { available: "1", held: "0" },
      USD: { available: "96856.86", held: "0" },
    });
    await ledgerMatches(id);
  });

  it("resumes a trailing stop after a restart from where it had trailed, not from where it was placed", async () => {
    const first = await instance();
    const { id, cookie } = await signedInUser(database, "trailer", { usd: "100000" });
    first.feed.trade("ETH-USD", "3000.00", { quantity: "1" });
    await call(first.app, cookie, "POST", "/api/trades", {
      symbol: "ETH-USD",
      side: "buy",
      type: "market",
      quantity: "1",
    });
    const sell = (
      await call(first.app, cookie, "POST", "/api/trades", {
        symbol: "ETH-USD",
        side: "sell",
        type: "trailing_stop",
        quantity: "1",
        trailPercent: "2",
      })
    ).json();
    expect(sell).toMatchObject({ status: "new", stopPrice: "2940" }); // 3000 × 0.98
    first.feed.trade("ETH-USD", "3100.00", { quantity: "1" }); // best price 3100: stop 3100 × 0.98 = 3038
    await first.app.trading.settled();
    await first.app.close();

    const second = await instance();
    const get = async () => (await call(second.app, cookie, "GET", `/api/trades/${sell.id}`)).json();
    expect(await get()).toMatchObject({ status: "new", stopPrice: "3038" });
    // Below the best price the first instance saw, above its stop. Resumed from the order as placed
    // (best 3000) this would be a new best price, moving the stop to 3050 × 0.98 = 2989.
    second.feed.trade("ETH-USD", "3050.00", { quantity: "1" });
    await second.app.trading.settled();
    expect(await get()).toMatchObject({ status: "new", stopPrice: "3038" });
    // A new best price keeps trailing: 3200 × 0.98 = 3136.
    second.feed.trade("ETH-USD", "3200.00", { quantity: "1" });
    await second.app.trading.settled();
    expect(await get()).toMatchObject({ status: "new", stopPrice: "3136" });
    second.feed.trade("ETH-USD", "3136.00", { quantity: "1" });
    await second.app.trading.settled();
    // Sold as a market order: 3136 × 0.9995 = 3134.432 → 3134.43.
    expect(await get()).toMatchObject({ status: "filled", averagePrice: "3134.43" });
    expect((await balances(id)).ETH).toEqual({ available: "0", held: "0" });
    await ledgerMatches(id);
  });
});
