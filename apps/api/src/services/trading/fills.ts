import { cashFor, Decimal, feeFor, findMarket, type MarketSpec, type TradingRates } from "@tradeboard/core";
import {
  applyFillToPosition,
  type FillRow,
  insertFill,
  insertOrder,
  type LedgerEntry,
  type OrderRow,
  openSiblings,
  postLedgerEntries,
  type Transaction,
  transitionOrder,
} from "@tradeboard/db";

/** What executing a fill needs to know: the markets and the fee and slippage rates. */
export interface FillContext {
  specs: readonly MarketSpec[];
  rates: TradingRates;
}

/**
 * Executes the whole order at `price` inside `tx`: the fill, the money (with
 * `alsoPost`, entries of the same event, in the same statement), the position;
 * and places a filled buy's bracket exits. The order row is already `filled`.
 */
export async function executeFill(
  tx: Transaction,
  ctx: FillContext,
  order: OrderRow,
  price: Decimal,
  alsoPost: readonly LedgerEntry[] = [],
): Promise<{ fill: FillRow; exits: OrderRow[] }> {
  const spec = findMarket(order.symbol, ctx.specs);
  if (!spec) throw new Error(`no market ${order.symbol}`);
  const quantity = new Decimal(order.quantity);
  const notional = cashFor(quantity.times(price), order.side, spec.quote);
  const fee = feeFor(notional, ctx.rates.feeRate, spec.quote);
  const baseDelta = order.side === "buy" ? quantity : quantity.negated();
  const fill = await insertFill(tx, {
    orderId: order.id,
    userId: order.userId,
    symbol: order.symbol,
    side: order.side,
    price: price.toFixed(),
    quantity: quantity.toFixed(),
    fee: fee.toFixed(),
  });
  const exits = await placeExits(tx, order, spec);
  // The balances and the position last: their rows are what concurrent orders of the user wait for.
  const entry = { userId: order.userId, reference: order.id };
  await postLedgerEntries(tx, [
    ...alsoPost,
    { ...entry, asset: spec.base, kind: "fill", availableDelta: baseDelta.toFixed() },
    {
      ...entry,
      asset: spec.quote,
      kind: "fill",
      availableDelta: (order.side === "buy" ? notional.negated() : notional).toFixed(),
    },
    { ...entry, asset: spec.quote, kind: "fee", availableDelta: fee.negated().toFixed() },
    ...exits.holds,
  ]);
  await applyFillToPosition(tx, {
    userId: order.userId,
    symbol: order.symbol,
    side: order.side,
    quantity: quantity.toFixed(),
    notional: notional.toFixed(),
    fee: fee.toFixed(),
  });
  return { fill, exits: exits.orders };
}

/**
 * A bracket's take-profit (sell limit) and stop-loss (sell stop) for the
 * bought quantity, one-cancels-other. They share one reservation of the base
 * asset: the first exit holds it (the hold entry is returned, for the caller
 * to post with the fill that pays for it), and a fill of either releases it.
 */
async function placeExits(
  tx: Transaction,
  parent: OrderRow,
  spec: MarketSpec,
): Promise<{ orders: OrderRow[]; holds: LedgerEntry[] }> {
  if (parent.side !== "buy" || (!parent.takeProfitPrice && !parent.stopLossPrice)) return { orders: [], holds: [] };
  const legs: { type: "limit" | "stop"; limitPrice: string | null; stopPrice: string | null }[] = [];
  if (parent.takeProfitPrice) legs.push({ type: "limit", limitPrice: parent.takeProfitPrice, stopPrice: null });
  if (parent.stopLossPrice) legs.push({ type: "stop", limitPrice: null, stopPrice: parent.stopLossPrice });
  const exits: OrderRow[] = [];
  const holds: LedgerEntry[] = [];
  for (const [i, leg] of legs.entries()) {
    const holding = i === 0;
    const exit = await insertOrder(tx, {
      ...leg,
      userId: parent.userId,
      clientOrderId: null,
      requestHash: `exit:${parent.id}:${leg.type}`,
      symbol: parent.symbol,
      side: "sell",
      status: "new",
      timeInForce: "gtc",
      quantity: parent.quantity,
      holdAsset: holding ? spec.base : null,
      holdAmount: holding ? parent.quantity : "0",
      parentOrderId: parent.id,
      ocoGroup: parent.id,
    });
    if (!exit) throw new Error("could not place a bracket exit");
    if (holding) {
      holds.push({
        userId: parent.userId,
        asset: spec.base,
        kind: "hold",
        availableDelta: new Decimal(parent.quantity).negated().toFixed(),
        heldDelta: parent.quantity,
        reference: exit.id,
      });
    }
    exits.push(exit);
  }
  return { orders: exits, holds };
}

/**
 * Cancels the still-open twins of an order in a one-cancels-other group and
 * returns the entries that give back what they held, for the caller to post.
 */
export async function cancelTwins(
  tx: Transaction,
  order: OrderRow,
  reason: string,
): Promise<{ canceled: OrderRow[]; releases: LedgerEntry[] }> {
  if (!order.ocoGroup) return { canceled: [], releases: [] };
  const canceled: OrderRow[] = [];
  const releases: LedgerEntry[] = [];
  for (const twin of await openSiblings(tx, { ocoGroup: order.ocoGroup, exceptId: order.id })) {
    const row = await transitionOrder(tx, {
      id: twin.id,
      from: ["new", "partially_filled"],
      set: { status: "canceled", holdAmount: "0", reason },
    });
    if (!row) continue;
    releases.push(...releaseOf(twin));
    canceled.push(row);
  }
  return { canceled, releases };
}

/** The entry that gives back what a resting order reserved (none when it reserved nothing). */
export function releaseOf(order: OrderRow): LedgerEntry[] {
  const amount = new Decimal(order.holdAmount);
  if (!order.holdAsset || amount.isZero()) return [];
  return [
    {
      userId: order.userId,
      asset: order.holdAsset,
      kind: "release",
      availableDelta: amount.toFixed(),
      heldDelta: amount.negated().toFixed(),
      reference: order.id,
    },
  ];
}
