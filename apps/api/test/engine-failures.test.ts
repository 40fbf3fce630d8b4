import { DEFAULT_MARKETS } from "@tradeboard/core";
import type { Database } from "@tradeboard/db";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ManualFeed } from "../src/market/feed.ts";
import { signedInUser, startTestApp } from "./helpers/app.ts";
import { testDrivers } from "./helpers/database.ts";
import { TestSocket } from "./helpers/ws-client.ts";

const specs = DEFAULT_MARKETS.filter((m) => m.symbol === "BTC-USD" || m.symbol === "ETH-USD");
const rates = { FEE_RATE: "0.001", SLIPPAGE_RATE: "0.0005" };

describe.each(testDrivers)("the trading engine when a step fails, on %s", (driver) => {
  let database: Database;
  let app: FastifyInstance;
  let feed: ManualFeed;
  let wsUrl: string;
  let stop: () => Promise<void>;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    process.on("unhandledRejection", onUnhandled);
    ({ database, app, feed, wsUrl, stop } = await startTestApp({ driver, overrides: rates, specs, listen: true }));
  });
  afterAll(async () => {
    process.off("unhandledRejection", onUnhandled);
    await stop?.();
  });

  const call = (cookie: string, method: "GET" | "POST", url: string, payload?: object) =>
    app.inject({ method, url, headers: { cookie }, ...(payload ? { payload } : {}) });

  it("keeps filling other users' orders after one trailing-stop write fails", async () => {
    const trailer = await signedInUser(database, "trailer", { usd: "100000" });
    const buyer = await signedInUser(database, "buyer", { usd: "100000" });
    feed.trade("BTC-USD", "60000.00", { quantity: "1" });
    const trailing = (
      await call(trailer.cookie, "POST", "/api/trades", {
        symbol: "BTC-USD",
        side: "buy",
        type: "trailing_stop",
        quantity: "0.1",
        trailPercent: "5",
      })
    ).json();
    expect(trailing).toMatchObject({ status: "new" });
    const limit = (
      await call(buyer.cookie, "POST", "/api/trades", {
        symbol: "BTC-USD",
        side: "buy",
        type: "limit",
        quantity: "0.1",
        limitPrice: "59000.00",
      })
    ).json();
    expect(limit).toMatchObject({ status: "new" });

    // The database refuses every move of this one trailing stop, as a failing disk or a bad row would.
    await database.db.execute(`
      create function refuse_trail_move() returns trigger language plpgsql as $$
      begin
        raise exception 'injected failure: trailing stop write refused';
      end $$`);
    await database.db.execute(`
      create trigger refuse_trail_move before update of trail_reference on orders
      for each row when (old.id = '${trailing.id}') execute function refuse_trail_move()`);

    feed.trade("BTC-USD", "59500.00", { quantity: "1" }); // a new low: the trailing stop moves, its write fails
    await expect(app.trading.settled()).resolves.toBeUndefined();
    feed.trade("BTC-USD", "58900.00", { quantity: "1" }); // crosses the other user's limit
    await expect(app.trading.settled()).resolves.toBeUndefined();

    const filled = (await call(buyer.cookie, "GET", `/api/trades/${limit.id}`)).json();
    expect(filled).toMatchObject({ status: "filled", averagePrice: "58900" });
    expect(unhandled).toEqual([]);

    // The stop still follows in memory and fires when reached: 58900 × 1.05 = 61845.
    await database.db.execute("drop trigger refuse_trail_move on orders");
    feed.trade("BTC-USD", "61845.00", { quantity: "1" });
    await app.trading.settled();
    expect((await call(trailer.cookie, "GET", `/api/trades/${trailing.id}`)).json()).toMatchObject({
      status: "filled",
    });
  });

  it("announces a triggered order the account can no longer pay for as rejected, with the reason", async () => {
    // 0.016 × 61000 × 1.0005 = 976.488 (+ 0.98 fee) reserved of 1,000 USD
    const { cookie } = await signedInUser(database, "gapped", { usd: "1000" });
    feed.trade("BTC-USD", "60000.00", { quantity: "1" });
    const token = (await call(cookie, "GET", "/api/realtime/token")).json().token as string;
    const socket = await TestSocket.open(`${wsUrl}?token=${encodeURIComponent(token)}`, {
      origin: "http://localhost:3000",
    });
    try {
      socket.send({ type: "subscribe", channels: ["user"] });
      await socket.next("subscribed", (m) => m.channel === "user");
      const placed = (
        await call(cookie, "POST", "/api/trades", {
          symbol: "BTC-USD",
          side: "buy",
          type: "stop",
          quantity: "0.016",
          stopPrice: "61000.00",
        })
      ).json();
      expect(placed).toMatchObject({ status: "new" });
      // The price gaps far past the stop: 0.016 × 70035 = 1120.56 USD, more than the account has.
      feed.trade("BTC-USD", "70000.00", { quantity: "1" });
      await app.trading.settled();
      const event = await socket.next(
        "event",
        (m) => (m.data as { order?: { id?: string; status?: string } }).order?.status === "rejected",
      );
      expect(event.data).toMatchObject({
        kind: "order",
        event: "rejected",
        order: { id: placed.id, status: "rejected", reason: "insufficient funds at the trigger price" },
      });
    } finally {
      socket.close();
    }
  });
});
