import type {
  ListOrdersQuery,
  OrderResponse,
  PlaceOrderBody,
  PortfolioHistoryResponse,
  PortfolioResponse,
} from "@tradeboard/contracts";
import {
  checkOrder,
  Decimal,
  findMarket,
  holdFor,
  limitCrossed,
  limitFillPrice,
  type MarketSpec,
  marketFillPrice,
  type OrderSide,
  restingTrigger,
  type TradingRates,
  trailingStopPrice,
} from "@tradeboard/core";
import {
  type Db,
  deletePositions,
  type FillRow,
  fillsOf,
  findOrder,
  findOrderByClientId,
  insertOrder,
  isCheckViolation,
  type LedgerEntry,
  listBalances,
  listChildOrders,
  listOrders,
  type NewOrder,
  type OrderRow,
  ordersJson,
  pageOrdersJson,
  postLedgerEntries,
  postLedgerEntry,
  retryingTransaction,
  transitionOrder,
  type UserRow,
} from "@tradeboard/db";
import { AppError } from "../errors.ts";
import { cancelTwins, executeFill, releaseOf } from "./trading/fills.ts";
import { MarketOrderBatcher } from "./trading/market-order-batcher.ts";
import { hashRequest, toResponse } from "./trading/order-response.ts";
import { PortfolioView } from "./trading/portfolio.ts";
import { TriggerEngine } from "./trading/trigger-engine.ts";

export interface TradingDeps {
  db: Db;
  specs: readonly MarketSpec[];
  rates: TradingRates;
  lastPrice(symbol: string): string | undefined;
  /** Why the market's prices are not fresh enough for a market order, or undefined when they are. */
  staleReason?(symbol: string): string | undefined;
  notify(userId: string, event: { kind: string } & Record<string, unknown>): void;
  log?(message: string): void;
}

/**
 * Orders, fills and the money they move. Every balance change is a ledger
 * entry in the same transaction as the order change that caused it; the
 * database's CHECK constraints refuse any balance below zero, whatever runs at
 * the same time. This class places and cancels orders; resting orders and
 * what the price does to them are the trigger engine's (trading/trigger-engine.ts),
 * market orders are executed in group commits (trading/market-order-batcher.ts),
 * fills are written by trading/fills.ts and the portfolio is read by
 * trading/portfolio.ts.
 */
export class TradingService {
  private readonly engine: TriggerEngine;
  private readonly view: PortfolioView;
  /** Market orders go through group commit: see market-order-batcher.ts. */
  private readonly batcher: MarketOrderBatcher;

  constructor(private readonly deps: TradingDeps) {
    this.engine = new TriggerEngine(deps);
    this.view = new PortfolioView(deps);
    this.batcher = new MarketOrderBatcher({ db: deps.db, feeRate: deps.rates.feeRate, log: deps.log });
  }

  /** Puts every resting order back in the trigger index (on start). */
  rebuild(): Promise<number> {
    return this.engine.rebuild();
  }

  /** Called with every trade price: fills what the price reached, one order at a time. */
  onPrice(symbol: string, price: string): void {
    this.engine.onPrice(symbol, price);
  }

  /** Resolves when every fill triggered so far is written; never rejects. */
  settled(): Promise<void> {
    return this.engine.settled();
  }

  portfolio(user: UserRow): Promise<PortfolioResponse> {
    return this.view.portfolio(user);
  }

  /** Equity over time, replayed from the ledger and valued at each candle's close. */
  equityHistory(user: UserRow, range: "24h" | "7d"): Promise<PortfolioHistoryResponse> {
    return this.view.equityHistory(user, range);
  }

  async placeOrder(user: UserRow, body: PlaceOrderBody): Promise<{ order: OrderResponse; created: boolean }> {
    const spec = findMarket(body.symbol, this.deps.specs);
    const last = this.deps.lastPrice(body.symbol);
    if (!spec || !last) throw new AppError("not_found", `There is no market ${body.symbol}.`);
    const requestHash = hashRequest(body);
    if (body.clientOrderId) {
      const existing = await findOrderByClientId(this.deps.db, { userId: user.id, clientOrderId: body.clientOrderId });
      if (existing) return { order: await this.sameRequest(existing, requestHash), created: false };
    }
    const stale = body.type === "market" ? this.deps.staleReason?.(body.symbol) : undefined;
    if (stale) throw new AppError("market_stale", stale);
    const checked = checkOrder(spec, body, last);
    if (!checked.ok)
      throw new AppError("invalid_order", checked.message, { fields: { [checked.field]: checked.message } });
    const quantity = checked.quantity;

    const base = {
      userId: user.id,
      clientOrderId: body.clientOrderId ?? null,
      requestHash,
      symbol: spec.symbol,
      side: body.side,
      type: body.type,
      timeInForce: body.timeInForce,
      quantity: quantity.toFixed(),
      limitPrice: body.limitPrice ?? null,
      stopPrice: body.stopPrice ?? null,
      takeProfitPrice: body.takeProfit ?? null,
      stopLossPrice: body.stopLoss ?? null,
      trailPercent: body.trailPercent ?? null,
      trailPrice: body.trailPrice ?? null,
    };
    if (body.type === "trailing_stop") {
      const stop = trailingStopPrice(spec, body.side, last, { percent: body.trailPercent, price: body.trailPrice });
      Object.assign(base, { trailReference: last, stopPrice: stop.toFixed() });
    }

    // What happens at once: a fill now, a cancel (IOC that cannot fill), or a rest.
    const trigger = restingTrigger(base);
    const stopReached = (body.type === "stop" || body.type === "stop_limit") && reaches(trigger, last);
    let fillPrice: Decimal | null = null;
    if (body.type === "market" || (body.type === "stop" && stopReached)) {
      fillPrice = marketFillPrice(spec, body.side, last, this.deps.rates.slippageRate);
    } else if ((body.type === "limit" || (body.type === "stop_limit" && stopReached)) && body.limitPrice) {
      if (limitCrossed(body.side, body.limitPrice, last)) fillPrice = limitFillPrice(body.side, body.limitPrice, last);
    }
    const cancelNow = fillPrice === null && body.timeInForce === "ioc";
    if (body.type === "market" && fillPrice && !base.takeProfitPrice && !base.stopLossPrice) {
      return this.placeMarketOrder(
        user,
        spec,
        { ...base, status: "filled", filledQuantity: quantity.toFixed() },
        fillPrice,
      );
    }

    let order: OrderRow | null;
    let exits: OrderRow[] = [];
    let fills: FillRow[] = [];
    try {
      order = await retryingTransaction(this.deps.db, async (tx) => {
        if (fillPrice) {
          // Filled in the transaction that creates it: written as filled at once.
          const inserted = await insertOrder(tx, {
            ...base,
            status: "filled",
            filledQuantity: quantity.toFixed(),
            triggeredAt: stopReached ? new Date() : null,
          });
          if (!inserted) return null;
          const done = await executeFill(tx, this.deps, inserted, fillPrice);
          fills = [done.fill];
          exits = done.exits;
          return inserted;
        }
        if (cancelNow) {
          return insertOrder(tx, {
            ...base,
            status: "canceled",
            reason: "immediate-or-cancel: no fill at the current price",
          });
        }
        // A buy stop pays up to its stop plus slippage; a buy trailing stop's stop only ever falls.
        const worst =
          body.side === "buy" && (body.type === "stop" || body.type === "trailing_stop")
            ? marketFillPrice(spec, "buy", base.stopPrice ?? last, this.deps.rates.slippageRate)
            : new Decimal(body.limitPrice ?? body.stopPrice ?? last);
        const hold = holdFor(spec, body.side, quantity, worst, this.deps.rates.feeRate);
        const inserted = await insertOrder(tx, {
          ...base,
          status: "new",
          holdAsset: hold.asset,
          holdAmount: hold.amount.toFixed(),
          triggeredAt: stopReached ? new Date() : null,
        });
        if (!inserted) return null;
        await postLedgerEntry(tx, {
          userId: user.id,
          asset: hold.asset,
          kind: "hold",
          availableDelta: hold.amount.negated().toFixed(),
          heldDelta: hold.amount.toFixed(),
          reference: inserted.id,
        });
        return inserted;
      });
    } catch (error) {
      if (isCheckViolation(error)) throw this.insufficient(spec, body.side);
      throw error;
    }
    if (!order) {
      // Another request with the same clientOrderId won the race: answer as it did.
      const existing = await findOrderByClientId(this.deps.db, {
        userId: user.id,
        clientOrderId: body.clientOrderId ?? "",
      });
      if (!existing) throw new AppError("duplicate_client_order_id", "This clientOrderId is in use.");
      return { order: await this.sameRequest(existing, requestHash), created: false };
    }
    if (order.status === "new") this.engine.rest(order);
    for (const exit of exits) this.engine.rest(exit);
    // A new order's only fills are the ones this transaction wrote.
    const response = toResponse(order, fills);
    this.deps.notify(user.id, {
      kind: "order",
      event: order.status === "filled" ? "filled" : order.status === "canceled" ? "canceled" : "accepted",
      order: response,
    });
    this.deps.notify(user.id, { kind: "balance" });
    return { order: response, created: true };
  }

  /** A market order without exits: executed with the others that arrive together, in one transaction. */
  private async placeMarketOrder(
    user: UserRow,
    spec: MarketSpec,
    row: NewOrder & { clientOrderId: string | null; requestHash: string; quantity: string; side: OrderSide },
    price: Decimal,
  ): Promise<{ order: OrderResponse; created: boolean }> {
    const outcome = await this.batcher.submit({
      order: { ...row, userId: user.id },
      spec,
      side: row.side,
      price,
    });
    if (outcome.kind === "insufficient_funds") throw this.insufficient(spec, row.side);
    if (outcome.kind === "duplicate") {
      const existing = await findOrderByClientId(this.deps.db, {
        userId: user.id,
        clientOrderId: row.clientOrderId ?? "",
      });
      if (!existing) throw new AppError("duplicate_client_order_id", "This clientOrderId is in use.");
      return { order: await this.sameRequest(existing, row.requestHash), created: false };
    }
    const response = toResponse(outcome.order, [outcome.fill]);
    this.deps.notify(user.id, { kind: "order", event: "filled", order: response });
    this.deps.notify(user.id, { kind: "balance" });
    return { order: response, created: true };
  }

  async getOrder(user: UserRow, ref: { id: string } | { clientOrderId: string }): Promise<OrderResponse> {
    return this.toResponse(await this.find(user, ref));
  }

  async cancelOrder(user: UserRow, ref: { id: string } | { clientOrderId: string }): Promise<OrderResponse> {
    const order = await this.find(user, ref);
    let twins: OrderRow[] = [];
    const canceled = await retryingTransaction(this.deps.db, async (tx) => {
      const row = await transitionOrder(tx, {
        id: order.id,
        from: ["new", "partially_filled"],
        set: { status: "canceled", holdAmount: "0", reason: null },
      });
      if (!row) return null;
      // A bracket's exits stand or fall together.
      const siblings = await cancelTwins(tx, order, "its twin exit was cancelled");
      twins = siblings.canceled;
      await postLedgerEntries(tx, [...releaseOf(order), ...siblings.releases]);
      return row;
    });
    if (!canceled) throw new AppError("order_not_open", `The order is ${order.status} and can no longer be cancelled.`);
    this.engine.unrest(order.id, order.symbol);
    for (const twin of twins) this.engine.unrest(twin.id, twin.symbol);
    const response = await this.toResponse(canceled);
    this.deps.notify(user.id, { kind: "order", event: "canceled", order: response });
    this.deps.notify(user.id, { kind: "balance" });
    return response;
  }

  /** The exits bracket buys placed (none before a buy fills), by parent order id, oldest first. */
  async exitsOf(user: UserRow, parentOrderIds: readonly string[]): Promise<Map<string, OrderResponse[]>> {
    const rows = await listChildOrders(this.deps.db, { userId: user.id, parentOrderIds });
    const fills = await fillsOf(
      this.deps.db,
      rows.map((row) => row.id),
    );
    const byParent = new Map<string, OrderResponse[]>();
    for (const row of rows) {
      if (!row.parentOrderId) continue;
      const list = byParent.get(row.parentOrderId) ?? [];
      list.push(
        toResponse(
          row,
          fills.filter((f) => f.orderId === row.id),
        ),
      );
      byParent.set(row.parentOrderId, list);
    }
    return byParent;
  }

  /** A page of the user's orders as the JSON text of a ListOrdersResponse, written by the database. */
  listOrdersJson(user: UserRow, query: ListOrdersQuery): Promise<string> {
    return pageOrdersJson(this.deps.db, { userId: user.id, ...query });
  }

  /** The orders of that page alone, not counting all of the user's (the Alpaca adapter, the CSV export). */
  async findOrders(user: UserRow, query: ListOrdersQuery): Promise<OrderResponse[]> {
    return JSON.parse(await ordersJson(this.deps.db, { userId: user.id, ...query })) as OrderResponse[];
  }

  /**
   * Back to the starting balance: open orders are cancelled (their funds
   * released), every balance is booked to zero and the starting cash credited,
   * all as ledger entries; positions are forgotten, order history kept.
   */
  async resetAccount(user: UserRow, startingBalance: string): Promise<void> {
    const canceled = await retryingTransaction(this.deps.db, async (tx) => {
      const open = await listOrders(tx, { userId: user.id, open: true, limit: 1_000_000, offset: 0 });
      const releases: LedgerEntry[] = [];
      for (const order of open.rows) {
        const row = await transitionOrder(tx, {
          id: order.id,
          from: ["new", "partially_filled"],
          set: { status: "canceled", holdAmount: "0", reason: "account reset" },
        });
        if (row) releases.push(...releaseOf(order));
      }
      await postLedgerEntries(tx, releases);
      for (const balance of await listBalances(tx, { userId: user.id })) {
        if (new Decimal(balance.available).isZero()) continue;
        await postLedgerEntry(tx, {
          userId: user.id,
          asset: balance.asset,
          kind: "reset",
          availableDelta: new Decimal(balance.available).negated().toFixed(),
          reference: "account reset",
        });
      }
      await postLedgerEntry(tx, {
        userId: user.id,
        asset: "USD",
        kind: "reset",
        availableDelta: startingBalance,
        reference: "account reset",
      });
      await deletePositions(tx, { userId: user.id });
      return open.rows;
    });
    for (const order of canceled) this.engine.unrest(order.id, order.symbol);
    this.deps.notify(user.id, { kind: "balance" });
  }

  private async find(user: UserRow, ref: { id: string } | { clientOrderId: string }): Promise<OrderRow> {
    const order =
      "id" in ref
        ? await findOrder(this.deps.db, { userId: user.id, id: ref.id })
        : await findOrderByClientId(this.deps.db, { userId: user.id, clientOrderId: ref.clientOrderId });
    // Another user's order answers exactly like one that does not exist.
    if (!order) throw new AppError("not_found", "There is no such order.");
    return order;
  }

  private async sameRequest(existing: OrderRow, requestHash: string): Promise<OrderResponse> {
    if (existing.requestHash !== requestHash) {
      throw new AppError("duplicate_client_order_id", "This clientOrderId was already used for a different order.");
    }
    return this.toResponse(existing);
  }

  private insufficient(spec: MarketSpec, side: OrderSide): AppError {
    const asset = side === "buy" ? spec.quote : spec.base;
    return new AppError("insufficient_funds", `Not enough ${asset} available for this order.`, {
      fields: { quantity: `not enough ${asset} available` },
    });
  }

  private async toResponse(order: OrderRow): Promise<OrderResponse> {
    return toResponse(order, await fillsOf(this.deps.db, [order.id]));
  }
}

function reaches(trigger: { direction: "rise" | "fall"; threshold: string }, price: string): boolean {
  return trigger.direction === "rise"
    ? new Decimal(price).greaterThanOrEqualTo(trigger.threshold)
    : new Decimal(price).lessThanOrEqualTo(trigger.threshold);
}
