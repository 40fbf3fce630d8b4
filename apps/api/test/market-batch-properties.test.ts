import { cashFor, Decimal, feeFor } from "@tradeboard/core";
import {
  type Database,
  findOrderByClientId,
  listBalances,
  listPositions,
  postLedgerEntry,
  sumLedger,
} from "@tradeboard/db";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KnownRows } from "../src/services/trading/known-rows.ts";
import {
  executeMarketBatch,
  type MarketOrderOutcome,
  type MarketOrderRequest,
} from "../src/services/trading/market-batch.ts";
import { openTestDatabase, testDrivers } from "./helpers/database.ts";
import { btcUsd, marketOrderRequest, openFundedAccount } from "./helpers/market-orders.ts";

const spec = btcUsd;
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
  const { lots, ...rest } = o;
  return marketOrderRequest(userId, { ...rest, quantity: new Decimal(UNIT).times(lots).toFixed() }, price);
}

/** A new account holding START USD. */
const openAccount = (database: Database, name: string) => openFundedAccount(database, name, START);

/** The simple sequential model: each order alone, in arrival order, against each account's cash and coins. */
type Account = { usd: Decimal; btc: Decimal };
type Model = { accounts: Account[]; clientIds: Set<string> };
/** `known` is shared by the whole run, as the batcher shares it: batches of accounts it covers run checked. */
type Real = { database: Database; users: string[]; known: KnownRows; paths: Record<"checked" | "locked", number> };

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
    const { outcomes, path } = await executeMarketBatch(real.database.db, requests, {
      feeRate: FEE_RATE,
      known: real.known,
      async beforeCommit(attempt: number) {
        attempts = attempt;
        // As Postgres reports a deadlock victim: the whole batch is rolled back and must run again.
        if (attempt <= aborts) throw Object.assign(new Error("deadlock detected"), { code: "40P01" });
      },
    });
    real.paths[path]++;
    expect(attempts).toBe(this.aborts + 1);
    const expected = this.orders.map((o) => modelApply(model, o, price));
    expect(outcomes.map((o) => o.kind)).toEqual(expected);
    await expectBooks(model, real);
  }
  toString() {
    return `batch@${this.dollars} aborts=${this.aborts} ${JSON.stringify(this.orders)}`;
  }
}

/** Another writer (here a grant of cash) changes a balance behind the batcher's back: what it knows is now wrong. */
class GrantCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly account: number,
    readonly dollars: number,
  ) {}
  check() {
    return true;
  }
  async run(model: Model, real: Real) {
    const account = model.accounts[this.account];
    if (!account) throw new Error("no such account");
    await postLedgerEntry(real.database.db, {
      userId: real.users[this.account] ?? "",
      asset: "USD",
      kind: "initial_deposit",
      availableDelta: String(this.dollars),
    });
    account.usd = account.usd.plus(this.dollars);
    await expectBooks(model, real);
  }
  toString() {
    return `grant ${this.dollars} to ${this.account}`;
  }
}

/**
 * Two batches at once, as the batcher runs them on Postgres: the second is
 * decided on top of the first before the first commits. Whatever the
 * database makes of them, the outcome is one of the two sequential orders.
 */
class ConcurrentCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly first: Order[],
    readonly second: Order[],
    readonly dollars: number,
  ) {}
  check() {
    return true;
  }
  async run(model: Model, real: Real) {
    const price = new Decimal(this.dollars);
    const requests = (orders: Order[]) =>
      orders.map((o) =>
        marketRequest(
          real.users[o.account] ?? "",
          { side: o.side, lots: o.lots, clientOrderId: o.clientId, requestHash: "model" },
          price,
        ),
      );
    const options = { feeRate: FEE_RATE, known: real.known };
    const [a, b] = await Promise.all([
      executeMarketBatch(real.database.db, requests(this.first), options),
      executeMarketBatch(real.database.db, requests(this.second), options),
    ]);
    real.paths[a.path]++;
    real.paths[b.path]++;
    const actual = [...a.outcomes, ...b.outcomes].map((o) => o.kind);
    const inOrder = (one: Order[], two: Order[]) => {
      const copy: Model = {
        accounts: model.accounts.map((x) => ({ ...x })),
        clientIds: new Set(model.clientIds),
      };
      const kinds = [...one, ...two].map((o) => modelApply(copy, o, price));
      const n = one.length;
      return { copy, kinds: one === this.first ? kinds : [...kinds.slice(n), ...kinds.slice(0, n)] };
    };
    const forward = inOrder(this.first, this.second);
    const backward = inOrder(this.second, this.first);
    const chosen = [forward, backward].find((m) => JSON.stringify(m.kinds) === JSON.stringify(actual));
    expect(
      chosen,
      `outcomes ${JSON.stringify(actual)} (paths ${a.path} ${b.path}) are neither sequential order: ${JSON.stringify(forward.kinds)} ${JSON.stringify(backward.kinds)}`,
    ).toBeDefined();
    if (!chosen) return;
    model.accounts = chosen.copy.accounts;
    model.clientIds = chosen.copy.clientIds;
    await expectBooks(model, real);
  }
  toString() {
    return `concurrent@${this.dollars} ${JSON.stringify(this.first)} | ${JSON.stringify(this.second)}`;
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
const grant = fc
  .tuple(fc.integer({ min: 0, max: ACCOUNTS - 1 }), fc.integer({ min: 1, max: 5_000 }))
  .map(([account, dollars]) => new GrantCommand(account, dollars));
const concurrent = fc
  .tuple(
    fc.array(order, { minLength: 1, maxLength: 8 }),
    fc.array(order, { minLength: 1, maxLength: 8 }),
    fc.integer({ min: 40_000, max: 80_000 }),
  )
  .map(([first, second, dollars]) => new ConcurrentCommand(first, second, dollars));

describe.each(testDrivers)("group commit of market orders on %s", (driver) => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase(driver);
  });
  afterAll(async () => {
    await database?.close();
  });

  it("matches the sequential model: outcomes, balances, ledger sums and positions, across aborted and retried batches, checked and locked, alone and two at once, with another writer changing balances", async () => {
    const paths = { checked: 0, locked: 0 };
    await fc.assert(
      fc.asyncProperty(fc.commands([batch, batch, grant, concurrent], { maxCommands: 10 }), async (commands) => {
        const users: string[] = [];
        for (let i = 0; i < ACCOUNTS; i++) users.push(await openAccount(database, `B${i}`));
        const model: Model = {
          accounts: users.map(() => ({ usd: new Decimal(START), btc: new Decimal(0) })),
          clientIds: new Set(),
        };
        await fc.asyncModelRun(() => ({ model, real: { database, users, known: new KnownRows(), paths } }), commands);
      }),
      { numRuns: 20 },
    );
    // Both ways were exercised: the model run means something for each.
    expect(paths.checked).toBeGreaterThan(0);
    expect(paths.locked).toBeGreaterThan(0);
    // Hundreds of transactions: the shared machine's load, not the code, decides how long they take.
  }, 180_000);

  it("writes a batch of accounts it knows in one checked statement, and runs it locked when another writer changed them", async () => {
    const userId = await openAccount(database, "K");
    const known = new KnownRows();
    const buy = (lots: number) =>
      marketRequest(userId, { side: "buy", lots, clientOrderId: null, requestHash: "k" }, new Decimal("50000"));
    const options = { feeRate: FEE_RATE, known };
    // 0.1 BTC at 50,000 = 5,000 USD + 5 fee: the first batch reads the account, the second is decided on what it left
    expect((await executeMarketBatch(database.db, [buy(100)], options)).path).toBe("locked");
    const second = await executeMarketBatch(database.db, [buy(50)], options);
    expect(second).toMatchObject({ path: "checked", outcomes: [{ kind: "filled" }] });
    // 2,492.50 USD left; a grant behind the batcher's back makes a 5,005 USD buy payable
    await postLedgerEntry(database.db, { userId, asset: "USD", kind: "initial_deposit", availableDelta: "3000" });
    const third = await executeMarketBatch(database.db, [buy(100)], options);
    expect(third).toMatchObject({ path: "locked", outcomes: [{ kind: "filled" }] });
    const usd = (await listBalances(database.db, { userId })).find((b) => b.asset === "USD");
    // 10,000 + 3,000 - 5,005 - 2,502.50 - 5,005
    expect(new Decimal(usd?.available ?? 0).toFixed()).toBe("487.5");
    const sums = await sumLedger(database.db, { userId });
    expect(new Decimal(sums.find((x) => x.asset === "USD")?.available ?? 0).toFixed()).toBe("487.5");
    expect((await listPositions(database.db, { userId }))[0]?.quantity).toMatch(/^0\.25/);
  });

  it("stores text exactly as given, quotes and backslashes included (the batch travels as one JSON text)", async () => {
    const userId = await openAccount(database, "Q");
    const clientOrderId = `it's \\ "quoted" '); delete from orders; --`;
    const requestHash = "h'\\''\\n";
    const request = marketRequest(userId, { side: "buy", lots: 1, clientOrderId, requestHash }, new Decimal("50000"));
    const {
      outcomes: [first],
    } = await executeMarketBatch(database.db, [request], { feeRate: FEE_RATE });
    expect(first?.kind).toBe("filled");
    const stored = await findOrderByClientId(database.db, { userId, clientOrderId });
    expect(stored).toMatchObject({ clientOrderId, requestHash, status: "filled" });
    const {
      outcomes: [again],
    } = await executeMarketBatch(database.db, [request], { feeRate: FEE_RATE });
    expect(again?.kind).toBe("duplicate");
  });
});
