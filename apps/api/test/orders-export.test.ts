import { DEFAULT_MARKETS } from "@tradeboard/core";
import type { Database } from "@tradeboard/db";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ManualFeed } from "../src/market/feed.ts";
import { signedInUser, startTestApp } from "./helpers/app.ts";
import { testDrivers } from "./helpers/database.ts";

const specs = DEFAULT_MARKETS.filter((m) => m.symbol === "BTC-USD" || m.symbol === "ETH-USD");
const rates = { FEE_RATE: "0.001", SLIPPAGE_RATE: "0.0005" };

/** `GET /api/trades/export.csv` takes the filters of `GET /api/trades` (symbol, side, status, open), and only those. */
describe.each(testDrivers)("the orders CSV export's filters on %s", (driver) => {
  let database: Database;
  let app: FastifyInstance;
  let feed: ManualFeed;
  let stop: () => Promise<void>;
  let cookie: string;
  /** The orders of the account, by what the test calls them. */
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    ({ database, app, feed, stop } = await startTestApp({ driver, overrides: rates, specs }));
    const user = await signedInUser(database, "exporter", { usd: "100000" });
    cookie = user.cookie;
    const place = async (name: string, body: object) => {
      const res = await app.inject({ method: "POST", url: "/api/trades", headers: { cookie }, payload: body });
      expect(res.statusCode).toBe(201);
      ids[name] = res.json().id;
    };
    feed.trade("BTC-USD", "60000.00", { quantity: "1" });
    feed.trade("ETH-USD", "3000.00", { quantity: "1" });
    await place("btcBuy", { symbol: "BTC-USD", side: "buy", type: "market", quantity: "0.1" });
    await place("btcSell", { symbol: "BTC-USD", side: "sell", type: "market", quantity: "0.05" });
    await place("btcSellLimit", {
      symbol: "BTC-USD",
      side: "sell",
      type: "limit",
      quantity: "0.05",
      limitPrice: "70000.00",
    });
    await place("ethBuy", { symbol: "ETH-USD", side: "buy", type: "market", quantity: "1" });
    await place("ethBuyLimit", { symbol: "ETH-USD", side: "buy", type: "limit", quantity: "1", limitPrice: "2000.00" });
    const canceled = await app.inject({
      method: "DELETE",
      url: `/api/trades/${ids.btcSellLimit}`,
      headers: { cookie },
    });
    expect(canceled.json()).toMatchObject({ status: "canceled" });
    // Someone else's orders never appear in this account's export.
    const other = await signedInUser(database, "other", { usd: "100000" });
    await app.inject({
      method: "POST",
      url: "/api/trades",
      headers: { cookie: other.cookie },
      payload: { symbol: "BTC-USD", side: "buy", type: "market", quantity: "0.1" },
    });
  });
  afterAll(async () => {
    await stop?.();
  });

  /** The export's rows as records by column, and the names this test gave their orders. */
  async function exported(query: string) {
    const res = await app.inject({ method: "GET", url: `/api/trades/export.csv${query}`, headers: { cookie } });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("text/csv; charset=utf-8");
    const [header, ...lines] = res.body.trimEnd().split("\n");
    const columns = header?.split(",") ?? [];
    const rows = lines.map((line) => Object.fromEntries(line.split(",").map((value, i) => [columns[i], value])));
    const names = Object.fromEntries(Object.entries(ids).map(([name, id]) => [id, name]));
    return rows.map((row) => ({ ...row, name: names[row.order_id ?? ""] ?? `unknown ${row.order_id}` }));
  }
  const named = async (query: string) => (await exported(query)).map((row) => row.name);

  it("exports every order of the account, newest first, one line per fill", async () => {
    expect(await named("")).toEqual(["ethBuyLimit", "ethBuy", "btcSellLimit", "btcSell", "btcBuy"]);
  });

  it.each([
    ["?symbol=BTC-USD", ["btcSellLimit", "btcSell", "btcBuy"]],
    ["?symbol=ETH-USD", ["ethBuyLimit", "ethBuy"]],
    ["?side=sell", ["btcSellLimit", "btcSell"]],
    ["?side=buy", ["ethBuyLimit", "ethBuy", "btcBuy"]],
    ["?status=filled", ["ethBuy", "btcSell", "btcBuy"]],
    ["?status=canceled", ["btcSellLimit"]],
    ["?status=new", ["ethBuyLimit"]],
    ["?status=rejected", []],
    ["?open=true", ["ethBuyLimit"]],
    ["?open=false", ["ethBuy", "btcSellLimit", "btcSell", "btcBuy"]],
    ["?symbol=BTC-USD&side=sell&status=filled", ["btcSell"]],
    ["?symbol=ETH-USD&open=false", ["ethBuy"]],
    ["?symbol=ETH-USD&side=sell", []],
    ["?symbol=SOL-USD", []],
  ])("filters by %s", async (query, expected) => {
    expect(await named(query)).toEqual(expected);
  });

  it("writes each filtered row's columns as the order and its fill have them", async () => {
    const [sell] = await exported("?symbol=BTC-USD&side=sell&status=filled");
    // 60000 × (1 − 0.0005) = 59970; fee 0.05 × 59970 × 0.001 = 2.9985 → 3.00 (rounded up to the cent)
    expect(sell).toMatchObject({
      symbol: "BTC-USD",
      side: "sell",
      type: "market",
      status: "filled",
      quantity: "0.05",
      fill_price: "59970",
      fill_quantity: "0.05",
      fee: "3",
    });
    const [open] = await exported("?open=true");
    expect(open).toMatchObject({ type: "limit", status: "new", limit_price: "2000", fill_price: "", fee: "" });
  });

  it.each([
    ["a malformed market", "?symbol=btc"],
    ["an unknown side", "?side=short"],
    ["an unknown status", "?status=done"],
    ["a paging parameter (the export has all rows)", "?limit=1"],
    ["an unknown filter", "?market=BTC-USD"],
  ])("refuses %s with a 400", async (_, query) => {
    const res = await app.inject({ method: "GET", url: `/api/trades/export.csv${query}`, headers: { cookie } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: "validation_failed" } });
  });
});
