import { randomUUID } from "node:crypto";
import { cashFor, Decimal, feeFor, type MarketSpec } from "@tradeboard/core";
import {
  type BatchKeys,
  type BatchPath,
  type BatchWrites,
  batchRowTime,
  type Db,
  type FillRow,
  groupCommit,
  type LedgerEntry,
  type LockedRows,
  type NewOrder,
  type OrderRow,
} from "@tradeboard/db";
import type { KnownRows } from "./known-rows.ts";

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
  /**
   * The rows this process last wrote: when they cover the batch, it is decided
   * against them and written in one checked statement; the batch records its
   * own results there.
   */
  known?: KnownRows;
  /** Runs after the writes, before the commit, with the attempt's number (tests make the database abort batches here). */
  beforeCommit?(attempt: number): Promise<void>;
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
 * database aborts (deadlock, serialization) runs again whole. With `known`,
 * a batch whose rows it covers is decided against them and written in one
 * statement that checks them (`groupCommit`), and runs locked when they have
 * changed.
 */
export async function executeMarketBatch(
  db: Db,
  requests: readonly MarketOrderRequest[],
  options: BatchOptions,
): Promise<{ outcomes: MarketOrderOutcome[]; path: BatchPath }> {
  const balanceKeys = new Map<string, { userId: string; asset: string }>();
  const positionKeys = new Map<string, { userId: string; symbol: string }>();
  for (const r of requests) {
    const userId = r.order.userId;
    for (const asset of [r.spec.base, r.spec.quote]) balanceKeys.set(`${userId}\n${asset}`, { userId, asset });
    positionKeys.set(`${userId}\n${r.spec.symbol}`, { userId, symbol: r.spec.symbol });
  }
  const clientOrderIds = requests.flatMap((r) =>
    r.order.clientOrderId ? [{ userId: r.order.userId, clientOrderId: r.order.clientOrderId }] : [],
  );
  const keys: BatchKeys = {
    balances: [...balanceKeys.values()],
    positions: [...positionKeys.values()],
    clientOrderIds,
  };
  const known = options.known;
  let committed: Awaited<ReturnType<typeof groupCommit<Decided[]>>>;
  try {
    committed = await groupCommit(
      db,
      keys,
      (locked) => {
        const { writes, result, after } = applyBatch(requests, locked, options.feeRate);
        known?.remember(keys, after);
        return { writes, result };
      },
      { beforeCommit: options.beforeCommit, expected: known?.expected(keys) },
    );
  } catch (error) {
    known?.forget(keys);
    throw error;
  }
  const { result, nowMicros, path } = committed;
  const outcomes = result.map((outcome, i): MarketOrderOutcome => {
    if (outcome.kind !== "accepted") return outcome;
    if (nowMicros === null) throw new Error("a batch with a filled order wrote nothing");
    const createdAt = batchRowTime(nowMicros, outcome.ordinal);
    const r = requests[i] as MarketOrderRequest;
    return {
      kind: "filled",
      order: orderRow(r, outcome.orderId, createdAt),
      fill: { ...outcome.fill, createdAt },
    };
  });
  return { outcomes, path };
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
type Decided =
  | Exclude<MarketOrderOutcome, { kind: "filled" }>
  | { kind: "accepted"; ordinal: number; orderId: string; fill: Omit<FillRow, "createdAt"> };

/**
 * The batch in memory, against the rows it locked: each order in arrival
 * order, seeing the effects of the ones before it.
 */
function applyBatch(
  requests: readonly MarketOrderRequest[],
  locked: LockedRows,
  feeRate: string,
): { writes: BatchWrites; result: Decided[]; after: LockedRows } {
  const balances = new Map<string, BalanceState>();
  for (const r of requests) {
    for (const asset of [r.spec.base, r.spec.quote]) {
      const key = `${r.order.userId}\n${asset}`;
      if (!balances.has(key))
        balances.set(key, {
          userId: r.order.userId,
          asset,
          initial: new Decimal(0),
          available: new Decimal(0),
          exists: false,
        });
    }
  }
  for (const row of locked.balances) {
    const available = new Decimal(row.available);
    balances.set(`${row.userId}\n${row.asset}`, { ...row, initial: available, available, exists: true });
  }
  const positions = new Map<string, PositionState>();
  const zero = new Decimal(0);
  for (const r of requests) {
    const key = `${r.order.userId}\n${r.spec.symbol}`;
    if (!positions.has(key))
      positions.set(key, {
        userId: r.order.userId,
        symbol: r.spec.symbol,
        quantity: zero,
        cost: zero,
        realizedPnl: zero,
        feesPaid: zero,
        exists: false,
        touched: false,
      });
  }
  for (const row of locked.positions) {
    const quantity = new Decimal(row.quantity);
    positions.set(`${row.userId}\n${row.symbol}`, {
      userId: row.userId,
      symbol: row.symbol,
      quantity,
      cost: new Decimal(row.cost),
      realizedPnl: new Decimal(row.realizedPnl),
      feesPaid: new Decimal(row.feesPaid),
      exists: true,
      touched: false,
    });
  }
  const taken = new Set(locked.taken.map((k) => `${k.userId}\n${k.clientOrderId}`));

  const writes = { orders: [], fills: [], ledger: [], balances: [], positions: [] } as {
    [K in keyof BatchWrites]: BatchWrites[K][number][];
  };
  const result: Decided[] = [];
  for (const r of requests) {
    const userId = r.order.userId;
    const clientKey = r.order.clientOrderId ? `${userId}\n${r.order.clientOrderId}` : null;
    if (clientKey && taken.has(clientKey)) {
      result.push({ kind: "duplicate" });
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
      result.push({ kind: "insufficient_funds" });
      continue;
    }
    base.available = baseAfter;
    quote.available = quoteAfter;
    applyToPosition(position, r.side, quantity, notional, fee);
    if (clientKey) taken.add(clientKey);

    const orderId = randomUUID();
    const fill = {
      id: randomUUID(),
      orderId,
      userId,
      symbol: r.spec.symbol,
      side: r.side,
      price: r.price.toFixed(),
      quantity: quantity.toFixed(),
      fee: fee.toFixed(),
    };
    result.push({ kind: "accepted", ordinal: writes.orders.length, orderId, fill });
    writes.orders.push({
      id: orderId,
      userId,
      clientOrderId: r.order.clientOrderId,
      requestHash: r.order.requestHash,
      symbol: r.spec.symbol,
      side: r.side,
      type: r.order.type,
      status: r.order.status ?? "filled",
      timeInForce: r.order.timeInForce,
      quantity: quantity.toFixed(),
      filledQuantity: quantity.toFixed(),
    });
    writes.fills.push(fill);
    writes.ledger.push(...ledgerOf(r, orderId, notional, fee));
  }
  for (const b of balances.values())
    if (!b.available.equals(b.initial))
      writes.balances.push({
        userId: b.userId,
        asset: b.asset,
        delta: b.available.minus(b.initial).toFixed(),
        available: b.available.toFixed(),
        exists: b.exists,
      });
  for (const p of positions.values()) if (p.touched) writes.positions.push({ ...positionValues(p), exists: p.exists });
  return { writes, result, after: rowsAfter(balances, positions, taken) };
}

/** The rows as they are once the batch commits: what the next batch of these accounts is decided against. */
function rowsAfter(
  balances: Map<string, BalanceState>,
  positions: Map<string, PositionState>,
  taken: Set<string>,
): LockedRows {
  const after: LockedRows = {
    balances: [],
    positions: [],
    // The key is the user's id (a uuid), a newline, then the clientOrderId (which may hold newlines itself).
    taken: [...taken].map((key) => {
      const cut = key.indexOf("\n");
      return { userId: key.slice(0, cut), clientOrderId: key.slice(cut + 1) };
    }),
  };
  for (const b of balances.values())
    if (b.exists || !b.available.equals(b.initial))
      after.balances.push({ userId: b.userId, asset: b.asset, available: b.available.toFixed() });
  for (const p of positions.values()) if (p.exists || p.touched) after.positions.push(positionValues(p));
  return after;
}

/** A position's values as the database stores them (exact decimal text). */
function positionValues(p: PositionState): LockedRows["positions"][number] {
  return {
    userId: p.userId,
    symbol: p.symbol,
    quantity: p.quantity.toFixed(),
    cost: p.cost.toFixed(),
    realizedPnl: p.realizedPnl.toFixed(),
    feesPaid: p.feesPaid.toFixed(),
  };
}

/** The order row as the write statement stored it (a market order has no prices, hold or exits of its own). */
function orderRow(r: MarketOrderRequest, id: string, createdAt: Date): OrderRow {
  const o = r.order;
  return {
    id,
    userId: o.userId,
    clientOrderId: o.clientOrderId,
    requestHash: o.requestHash,
    symbol: r.spec.symbol,
    side: r.side,
    type: o.type,
    status: o.status ?? "filled",
    timeInForce: o.timeInForce,
    quantity: new Decimal(o.quantity).toFixed(),
    filledQuantity: new Decimal(o.quantity).toFixed(),
    limitPrice: null,
    stopPrice: null,
    holdAsset: null,
    holdAmount: "0",
    reason: null,
    trailPercent: null,
    trailPrice: null,
    trailReference: null,
    takeProfitPrice: null,
    stopLossPrice: null,
    parentOrderId: null,
    ocoGroup: null,
    triggeredAt: null,
    createdAt,
    updatedAt: createdAt,
  };
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
