import { randomUUID } from "node:crypto";
import { cashFor, DEFAULT_MARKETS, Decimal, feeFor } from "@tradeboard/core";
import {
  type Database,
  findOrderByClientId,
  insertUser,
  listBalances,
  listPositions,
  postLedgerEntry,
  sumLedger,
} from "@tradeboard/db";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  executeMarketBatch,
  type MarketOrderOutcome,
  type MarketOrderRequest,
} from "../src/services/trading/market-batch.ts";
import { openTestDatabase, testDrivers } from "./helpers/database.ts";

const spec = (() => {
  const found = DEFAULT_MARKETS.find((m) => m.symbol === "BTC-USD");
  if (!found) throw new Error("BTC-USD is not a default market");
  return found;
})();
const FEE_RATE = "0.001";
const START = "10000";
const ACCOUNTS = 3;
/** Orders are whole multiples of 0.001 BTC (a multiple of the lot size). */
const UNIT = "0.001";

/** A market order of `lots` × UNIT as the trading service hands it to the batch. */
function marketRequest(
  userId: string,
  o: { side: "buy" | "sell"; lots: number; clientOrderId: string | null; requestHash: string },
  price: Decimal,
): MarketOrderRequest {
  const quantity = new Decimal(UNIT).times(o.lots).toFixed();
  return {
    order: {
      userId,
      clientOrderId: o.clientOrderId,
      requestHash: o.requestHash,
      symbol: spec.symbol,
      side: o.side,
      type: "market",
      timeInForce: "gtc",
      status: "filled",
      quantity,
      filledQuantity: quantity,
    },
    spec,
    side: o.side,
    price,
  };
}

/** A new account holding START USD. */
async function openAccount(database: Database, name: string): Promise<string> {
  const user = await insertUser(database.db, { email: `batch-${randomUUID()}@example.com`, name, passwordHash: null });
  await postLedgerEntry(database.db, { userId: user.id, asset: "USD", kind: "initial_deposit", availableDelta: START });
  return user.id;
}

/** The simple sequential model: each order alone, in arrival order, against each account's cash and coins. */
type Account = { usd: Decimal; btc: Decimal };
type Model = { accounts: Account[]; clientIds: Set<string> };
type Real = { database: Database; users: string[] };

type Order = { account: number; side: "buy" | "sell"; lots: number; clientId: string | null };

/** What the model says one order does: the outcome, applied to the model when it fills. */
function modelApply(model: Model, order: Order, price: Decimal): MarketOrderOutcome["kind"] {
  const account = model.accounts[order.account];
  if (!account) throw new Error("no such account");
  const key = order.clientId ? `${order.account}:${order.clientId}` : null;
  if (key && model.clientIds.has(key)) return "duplicate";
  const quantity = new Decimal(UNIT).times(order.lots);
  // e.g. 0.003 BTC × 50,000 = 150 USD (rounded up to the cent on a buy, down on a sell), fee 0.1 % rounded up
  const notional = cashFor(quantity.times(price), order.side, spec.quote);
  const fee = feeFor(notional, FEE_RATE, spec.quote);
  const usd = order.side === "buy" ? account.usd.minus(notional).minus(fee) : account.usd.plus(notional).minus(fee);
  const btc = order.side === "buy" ? account.btc.plus(quantity) : account.btc.minus(quantity);
  if (usd.isNegative() || btc.isNegative()) return "insufficient_funds";
  account.usd = usd;
  account.btc = btc;
  if (key) model.clientIds.add(key);
  return "filled";
}

/** A batch of orders of several accounts, committed after `aborts` deadlocks made the database roll it back. */
class BatchCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly orders: Order[],
    readonly dollars: number,
    readonly aborts: number,
  ) {}
  check() {
    return true;
  }
  async run(model: Model, real: Real) {
    const price = new Decimal(this.dollars);
    const requests = this.orders.map((o) =>
      marketRequest(
        real.users[o.account] ?? "",
        { side: o.side, lots: o.lots, clientOrderId: o.clientId, requestHash: "model" },
        price,
      ),
    );
    let attempts = 0;
    const aborts = this.aborts;
    const outcomes = await executeMarketBatch(real.database.db, requests, {
      feeRate: FEE_RATE,
      async beforeCommit(attempt: number) {
        attempts = attempt;
        // As Postgres reports a deadlock victim: the whole batch is rolled back and must run again.
        if (attempt <= aborts) throw Object.assign(new Error("deadlock detected"), { code: "40P01" });
      },
    });
    expect(attempts).toBe(this.aborts + 1);
    const expected = this.orders.map((o) => modelApply(model, o, price));
    expect(outcomes.map((o) => o.kind)).toEqual(expected);
    await expectBooks(model, real);
  }
  toString() {
    return `batch@${this.dollars} aborts=${this.aborts} ${JSON.stringify(this.orders)}`;
  }
}

/** Balances equal the model and the ledger sums; nothing negative; the position holds what the balance holds. */
async function expectBooks(model: Model, real: Real) {
  for (const [i, userId] of real.users.entries()) {
    const account = model.accounts[i];
    const rows = await listBalances(real.database.db, { userId });
    const sums = await sumLedger(real.database.db, { userId });
    const balance = (asset: string) => new Decimal(rows.find((r) => r.asset === asset)?.available ?? 0);
    expect(balance("USD").toFixed()).toBe(account?.usd.toFixed());
    expect(balance("BTC").toFixed()).toBe(account?.btc.toFixed());
    for (const row of rows) {
      const sum = sums.find((s) => s.asset === row.asset);
      expect(new Decimal(sum?.available ?? 0).toFixed()).toBe(new Decimal(row.available).toFixed());
      expect(new Decimal(row.available).isNegative()).toBe(false);
    }
    const position = (await listPositions(real.database.db, { userId })).find((p) => p.symbol === spec.symbol);
    expect(new Decimal(position?.quantity ?? 0).toFixed()).toBe(account?.btc.toFixed());
  }
}

const order = fc.record({
  account: fc.integer({ min: 0, max: ACCOUNTS - 1 }),
  side: fc.constantFrom("buy" as const, "sell" as const),
  // up to 0.2 BTC: at 40,000–80,000 USD some buys exceed the 10,000 USD, some sells what is held
  lots: fc.integer({ min: 1, max: 200 }),
  // a few keys, so that repeats (within a batch and across batches) happen
  clientId: fc.option(fc.constantFrom("a", "b", "c"), { freq: 3 }),
});
const batch = fc
  .tuple(
    fc.array(order, { minLength: 1, maxLength: 12 }),
    fc.integer({ min: 40_000, max: 80_000 }),
    fc.integer({ min: 0, max: 2 }),
  )
  .map(([orders, dollars, aborts]) => new BatchCommand(orders, dollars, aborts));

describe.each(testDrivers)("group commit of market orders on %s", (driver) => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase(driver);
  });
  afterAll(async () => {
    await database?.close();
  });

  it("matches the sequential model: outcomes, balances, ledger sums and positions, across aborted and retried batches", async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands([batch], { maxCommands: 8 }), async (commands) => {
        const users: string[] = [];
        for (let i = 0; i < ACCOUNTS; i++) users.push(await openAccount(database, `B${i}`));
        const model: Model = {
          accounts: users.map(() => ({ usd: new Decimal(START), btc: new Decimal(0) })),
          clientIds: new Set(),
        };
        await fc.asyncModelRun(() => ({ model, real: { database, users } }), commands);
      }),
      { numRuns: 20 },
    );
    // Hundreds of transactions: the shared machine's load, not the code, decides how long they take.
  }, 180_000);

  it("stores text exactly as given, quotes and backslashes included (the batch travels as one JSON text)", async () => {
    const userId = await openAccount(database, "Q");
    const clientOrderId = `it's \\ "quoted" '); delete from orders; --`;
    const requestHash = "h'\\''\\n";
    const request = marketRequest(userId, { side: "buy", lots: 1, clientOrderId, requestHash }, new Decimal("50000"));
    const [first] = await executeMarketBatch(database.db, [request], { feeRate: FEE_RATE });
    expect(first?.kind).toBe("filled");
    const stored = await findOrderByClientId(database.db, { userId, clientOrderId });
    expect(stored).toMatchObject({ clientOrderId, requestHash, status: "filled" });
    const [again] = await executeMarketBatch(database.db, [request], { feeRate: FEE_RATE });
    expect(again?.kind).toBe("duplicate");
  });
});
