import { cashFor, Decimal, feeFor, type MarketSpec } from "@tradeboard/core";
import {
  addToBalances,
  appendLedger,
  type Db,
  type FillRow,
  insertFills,
  insertOrders,
  type LedgerEntry,
  lockBalances,
  lockPositions,
  type NewOrder,
  type OrderRow,
  retryingTransaction,
  type Transaction,
  takenClientOrderIds,
  writePositions,
} from "@tradeboard/db";

/** A market order ready to execute: its row and the price it fills at. */
export interface MarketOrderRequest {
  order: NewOrder & { userId: string; clientOrderId: string | null; quantity: string };
  spec: MarketSpec;
  side: "buy" | "sell";
  price: Decimal;
}

export type MarketOrderOutcome =
  | { kind: "filled"; order: OrderRow; fill: FillRow }
  /** The clientOrderId names an order already (an earlier request, or one earlier in this batch). */
  | { kind: "duplicate" }
  | { kind: "insufficient_funds" };

export interface BatchOptions {
  feeRate: string;
  /** Runs inside the transaction after the writes, before the commit (tests abort batches here). */
  beforeCommit?(tx: Transaction, attempt: number): Promise<void>;
}

/**
 * Executes market orders as one transaction (a group commit). The balances and
 * positions they touch are locked once, in (user, key) order; the orders are
 * then applied one after the other in memory, in arrival order, against the
 * locked values, so orders of one account see each other's effects exactly as
 * if they had run alone. An order the account cannot pay for is answered
 * `insufficient_funds` and writes nothing; the others are written with one
 * multi-row statement per kind (orders, fills, ledger, balances, positions).
 * The ledger is written in the same transaction as the balances. A batch the
 * database aborts (deadlock, serialization) runs again whole.
 */
export async function executeMarketBatch(
  db: Db,
  requests: readonly MarketOrderRequest[],
  options: BatchOptions,
): Promise<MarketOrderOutcome[]> {
  let attempt = 0;
  return retryingTransaction(db, async (tx) => {
    attempt++;
    const outcomes = await applyBatch(tx, requests, options.feeRate);
    await options.beforeCommit?.(tx, attempt);
    return outcomes;
  });
}

type BalanceState = { userId: string; asset: string; initial: Decimal; available: Decimal; exists: boolean };
type PositionState = {
  userId: string;
  symbol: string;
  quantity: Decimal;
  cost: Decimal;
  realizedPnl: Decimal;
  feesPaid: Decimal;
  exists: boolean;
  touched: boolean;
};

async function applyBatch(
  tx: Transaction,
  requests: readonly MarketOrderRequest[],
  feeRate: string,
): Promise<MarketOrderOutcome[]> {
  const balanceKeys = new Map<string, { userId: string; asset: string }>();
  const positionKeys = new Map<string, { userId: string; symbol: string }>();
  for (const r of requests) {
    const userId = r.order.userId;
    for (const asset of [r.spec.base, r.spec.quote]) balanceKeys.set(`${userId}\n${asset}`, { userId, asset });
    positionKeys.set(`${userId}\n${r.spec.symbol}`, { userId, symbol: r.spec.symbol });
  }
  const withClientId = requests.flatMap((r) =>
    r.order.clientOrderId ? [{ userId: r.order.userId, clientOrderId: r.order.clientOrderId }] : [],
  );
  // Sent together: the driver pipelines them on the transaction's connection (one round trip),
  // and Postgres runs them in this order, so the balance rows are locked before the position rows.
  const [lockedBalances, lockedPositions, takenRows] = await Promise.all([
    lockBalances(tx, [...balanceKeys.values()]),
    lockPositions(tx, [...positionKeys.values()]),
    takenClientOrderIds(tx, withClientId),
  ]);
  const balances = new Map<string, BalanceState>();
  for (const key of balanceKeys.values())
    balances.set(`${key.userId}\n${key.asset}`, {
      ...key,
      initial: new Decimal(0),
      available: new Decimal(0),
      exists: false,
    });
  for (const row of lockedBalances) {
    const available = new Decimal(row.available);
    balances.set(`${row.userId}\n${row.asset}`, { ...row, initial: available, available, exists: true });
  }
  const positions = new Map<string, PositionState>();
  for (const key of positionKeys.values()) {
    const zero = new Decimal(0);
    positions.set(`${key.userId}\n${key.symbol}`, {
      ...key,
      quantity: zero,
      cost: zero,
      realizedPnl: zero,
      feesPaid: zero,
      exists: false,
      touched: false,
    });
  }
  for (const row of lockedPositions) {
    positions.set(`${row.userId}\n${row.symbol}`, {
      userId: row.userId,
      symbol: row.symbol,
      quantity: new Decimal(row.quantity),
      cost: new Decimal(row.cost),
      realizedPnl: new Decimal(row.realizedPnl),
      feesPaid: new Decimal(row.feesPaid),
      exists: true,
      touched: false,
    });
  }
  const taken = new Set(takenRows.map((k) => `${k.userId}\n${k.clientOrderId}`));

  const outcomes: (MarketOrderOutcome | { kind: "accepted"; fee: Decimal; notional: Decimal })[] = [];
  for (const r of requests) {
    const userId = r.order.userId;
    const clientKey = r.order.clientOrderId ? `${userId}\n${r.order.clientOrderId}` : null;
    if (clientKey && taken.has(clientKey)) {
      outcomes.push({ kind: "duplicate" });
      continue;
    }
    const quantity = new Decimal(r.order.quantity);
    const notional = cashFor(quantity.times(r.price), r.side, r.spec.quote);
    const fee = feeFor(notional, feeRate, r.spec.quote);
    const base = balances.get(`${userId}\n${r.spec.base}`);
    const quote = balances.get(`${userId}\n${r.spec.quote}`);
    const position = positions.get(`${userId}\n${r.spec.symbol}`);
    if (!base || !quote || !position) throw new Error("a balance or position of the batch was not prepared");
    const baseAfter = r.side === "buy" ? base.available.plus(quantity) : base.available.minus(quantity);
    const quoteAfter =
      r.side === "buy" ? quote.available.minus(notional).minus(fee) : quote.available.plus(notional).minus(fee);
    const positionShort = r.side === "sell" && position.quantity.lessThan(quantity);
    if (baseAfter.isNegative() || quoteAfter.isNegative() || positionShort) {
      outcomes.push({ kind: "insufficient_funds" });
      continue;
    }
    base.available = baseAfter;
    quote.available = quoteAfter;
    applyToPosition(position, r.side, quantity, notional, fee);
    if (clientKey) taken.add(clientKey);
    outcomes.push({ kind: "accepted", fee, notional });
  }

  const accepted = requests.flatMap((r, i) => {
    const outcome = outcomes[i];
    return outcome?.kind === "accepted" ? [{ r, fee: outcome.fee, notional: outcome.notional }] : [];
  });
  const inserted = await insertOrders(
    tx,
    accepted.map((a) => a.r.order),
  );
  if (inserted.length < accepted.length) {
    // Another transaction took one of the clientOrderIds since the check: run the batch again, it will see it.
    throw Object.assign(new Error("a clientOrderId of the batch was taken meanwhile"), { code: "40001" });
  }
  const byOrdinal = new Map(inserted.map(({ ordinal, ...order }) => [ordinal, order]));
  const written = accepted.map((a, k) => {
    const order = byOrdinal.get(k);
    if (!order) throw new Error("an accepted order of the batch was not written");
    return { ...a, order };
  });
  // The writes need only the order ids: sent together, one round trip.
  const [writtenFills] = await Promise.all([
    insertFills(
      tx,
      written.map(({ r, fee, order }) => ({
        orderId: order.id,
        userId: r.order.userId,
        symbol: r.spec.symbol,
        side: r.side,
        price: r.price.toFixed(),
        quantity: new Decimal(r.order.quantity).toFixed(),
        fee: fee.toFixed(),
      })),
    ),
    appendLedger(
      tx,
      written.flatMap(({ r, fee, notional, order }) => ledgerOf(r, order.id, notional, fee)),
    ),
    addToBalances(
      tx,
      [...balances.values()]
        .filter((b) => !b.available.equals(b.initial))
        .map((b) => ({
          userId: b.userId,
          asset: b.asset,
          available: b.available.minus(b.initial).toFixed(),
          held: "0",
          exists: b.exists,
        })),
    ),
    writePositions(
      tx,
      [...positions.values()]
        .filter((p) => p.touched)
        .map((p) => ({
          userId: p.userId,
          symbol: p.symbol,
          quantity: p.quantity.toFixed(),
          cost: p.cost.toFixed(),
          realizedPnl: p.realizedPnl.toFixed(),
          feesPaid: p.feesPaid.toFixed(),
          exists: p.exists,
        })),
    ),
  ]);
  const fillByOrder = new Map(writtenFills.map((f) => [f.orderId, f]));

  const writtenByRequest = new Map(written.map((w) => [w.r, w.order]));
  return requests.map((r, i) => {
    const outcome = outcomes[i];
    if (!outcome) throw new Error("an order of the batch has no outcome");
    if (outcome.kind !== "accepted") return outcome;
    const order = writtenByRequest.get(r);
    const fill = order && fillByOrder.get(order.id);
    if (!order || !fill) throw new Error("an accepted order of the batch was not written");
    return { kind: "filled", order, fill };
  });
}

/** The three entries of a fill, as a single fill writes them: the base asset, the quote asset, the fee. */
function ledgerOf(r: MarketOrderRequest, orderId: string, notional: Decimal, fee: Decimal): LedgerEntry[] {
  const quantity = new Decimal(r.order.quantity);
  const entry = { userId: r.order.userId, reference: orderId };
  return [
    {
      ...entry,
      asset: r.spec.base,
      kind: "fill",
      availableDelta: (r.side === "buy" ? quantity : quantity.negated()).toFixed(),
    },
    {
      ...entry,
      asset: r.spec.quote,
      kind: "fill",
      availableDelta: (r.side === "buy" ? notional.negated() : notional).toFixed(),
    },
    { ...entry, asset: r.spec.quote, kind: "fee", availableDelta: fee.negated().toFixed() },
  ];
}

/**
 * The average-cost method, as `applyFillToPosition` computes it in SQL: a buy
 * adds its cost; a sell takes out the average cost of what it sold (all of it
 * when the position closes) and books the difference to its proceeds.
 */
function applyToPosition(p: PositionState, side: "buy" | "sell", quantity: Decimal, notional: Decimal, fee: Decimal) {
  p.touched = true;
  p.feesPaid = p.feesPaid.plus(fee);
  if (side === "buy") {
    p.quantity = p.quantity.plus(quantity);
    p.cost = p.cost.plus(notional);
    return;
  }
  const costSold = p.quantity.equals(quantity)
    ? p.cost
    : p.cost.times(quantity).div(p.quantity).toDecimalPlaces(18, Decimal.ROUND_HALF_UP);
  p.quantity = p.quantity.minus(quantity);
  p.cost = p.cost.minus(costSold);
  p.realizedPnl = p.realizedPnl.plus(notional).minus(costSold);
}
