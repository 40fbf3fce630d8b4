import type { PlaceOrderBody } from "@tradeboard/contracts";
import { DEFAULT_MARKETS, Decimal } from "@tradeboard/core";
import { type Database, insertUser, listBalances, listPositions, postLedgerEntry, sumLedger } from "@tradeboard/db";
import fc from "fast-check";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../src/errors.ts";
import type { ManualFeed } from "../src/market/feed.ts";
import { testApp } from "./helpers/app.ts";
import { openTestDatabase } from "./helpers/database.ts";

const START = "100000";

const command = fc.oneof(
  fc.record({
    kind: fc.constant("market" as const),
    side: fc.constantFrom("buy" as const, "sell" as const),
    lots: fc.integer({ min: 1, max: 2_000 }),
  }),
  fc.record({
    kind: fc.constant("limit" as const),
    side: fc.constantFrom("buy" as const, "sell" as const),
    lots: fc.integer({ min: 1, max: 2_000 }),
    offset: fc.integer({ min: -300, max: 300 }),
  }),
  fc.record({ kind: fc.constant("cancel" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("price" as const), dollars: fc.integer({ min: 40_000, max: 80_000 }) }),
);

/** Any sequence of orders, cancels and price moves keeps the books in balance. */
describe("trading invariants", () => {
  let database: Database;
  let app: FastifyInstance;
  let feed: ManualFeed;

  beforeAll(async () => {
    database = await openTestDatabase("pglite");
    ({ app, feed } = await testApp(database, {}, { specs: DEFAULT_MARKETS.filter((m) => m.symbol === "BTC-USD") }));
    await app.markets.init();
    app.markets.start();
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  it("ledger equals balances, nothing negative, and cash + cost + fees − realized equals the start", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 25 }), async (commands) => {
        const user = await insertUser(database.db, {
          email: `prop-${run++}-${Math.random()}@example.com`,
          name: "P",
          passwordHash: null,
        });
        await postLedgerEntry(database.db, {
          userId: user.id,
          asset: "USD",
          kind: "initial_deposit",
          availableDelta: START,
        });
        let price = 60_000;
        feed.trade("BTC-USD", `${price}.00`, { quantity: "1" });
        const placed: string[] = [];
        for (const c of commands) {
          try {
            if (c.kind === "price") {
              price = c.dollars;
              feed.trade("BTC-USD", `${price}.00`, { quantity: "1" });
              await app.trading.settled();
            } else if (c.kind === "cancel") {
              const id = placed[c.pick % Math.max(1, placed.length)];
              if (id) await app.trading.cancelOrder(user, { id });
            } else {
              const quantity = new Decimal(c.lots).times("0.00001").toFixed();
              const body: PlaceOrderBody =
                c.kind === "market"
                  ? { symbol: "BTC-USD", side: c.side, type: "market", quantity, timeInForce: "gtc" }
                  : {
                      symbol: "BTC-USD",
                      side: c.side,
                      type: "limit",
                      quantity,
                      limitPrice: `${price + c.offset}.00`,
                      timeInForce: "gtc",
                    };
              placed.push((await app.trading.placeOrder(user, body)).order.id);
            }
          } catch (error) {
            // Refusals (not enough funds, too small, already closed) are part of the game; anything else is a bug.
            if (!(error instanceof AppError) || error.status >= 500) throw error;
          }
        }
        await app.trading.settled();

        const balances = await listBalances(database.db, { userId: user.id });
        const sums = await sumLedger(database.db, { userId: user.id });
        for (const b of balances) {
          const sum = sums.find((s) => s.asset === b.asset);
          expect(new Decimal(sum?.available ?? 0).equals(b.available)).toBe(true);
          expect(new Decimal(sum?.held ?? 0).equals(b.held)).toBe(true);
          expect(new Decimal(b.available).isNegative()).toBe(false);
          expect(new Decimal(b.held).isNegative()).toBe(false);
        }
        const positions = await listPositions(database.db, { userId: user.id });
        const usd = balances.find((b) => b.asset === "USD");
        const cash = new Decimal(usd?.available ?? 0).plus(usd?.held ?? 0);
        const atCost = positions.reduce((s, p) => s.plus(p.cost), new Decimal(0));
        const fees = positions.reduce((s, p) => s.plus(p.feesPaid), new Decimal(0));
        const realized = positions.reduce((s, p) => s.plus(p.realizedPnl), new Decimal(0));
        expect(cash.plus(atCost).plus(fees).minus(realized).toFixed()).toBe(START);
        // What the position says is held is what the BTC balance holds, reserved or not.
        const btc = balances.find((b) => b.asset === "BTC");
        const btcTotal = new Decimal(btc?.available ?? 0).plus(btc?.held ?? 0);
        expect(btcTotal.equals(positions[0]?.quantity ?? 0)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });
});
