import { createHash, randomUUID } from "node:crypto";
import type {
  ListOrdersQuery,
  OrderResponse,
  PlaceOrderBody,
  PortfolioHistoryResponse,
  PortfolioResponse,
} from "@tradeboard/contracts";
import {
  cashFor,
  checkOrder,
  Decimal,
  feeFor,
  findMarket,
  formatAmount,
  holdFor,
  INTERVAL_MS,
  limitCrossed,
  limitFillPrice,
  type MarketSpec,
  marketFillPrice,
  type OrderSide,
  restingTrigger,
  type TradingRates,
  TriggerIndex,
  trailingStopPrice,
} from "@tradeboard/core";
import {
  applyFillToPosition,
  type Db,
  deletePositions,
  type FillRow,
  type FillValues,
  fillsOf,
  findOrder,
  findOrderByClientId,
  insertFill,
  insertOrder,
  isCheckViolation,
  type LedgerEntry,
  listBalances,
  listCandles,
  listChildOrders,
  listLedger,
  listOrders,
  listPositions,
  listRestingOrders,
  moveTrailingStop,
  type NewOrder,
  type OrderRow,
  openSiblings,
  pageOrders,
  postLedgerEntries,
  postLedgerEntry,
  retryingTransaction,
  transitionOrder,
  type UserRow,
} from "@tradeboard/db";
import { AppError } from "../errors.ts";
import { MarketOrderBatcher } from "./trading/market-order-batcher.ts";

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

type Executor = Parameters<Parameters<Db["transaction"]>[0]>[0];
type Resting = { orderId: string; userId: string };
type TrailingStop = Resting & {
  side: OrderSide;
  reference: Decimal;
  stop: Decimal;
  trail: { percent: string | null; price: string | null };
  /** Moved since its last successful write to the database. */
  moved: boolean;
};

/**
 * Orders, fills and the money they move. Every balance change is a ledger
 * entry in the same transaction as the order change that caused it; the
 * database's CHECK constraints refuse any balance below zero, whatever runs at
 * the same time. Resting orders wait in the trigger index; a tick that
 * reaches them fills them.
 */
export class TradingService {
  private readonly index = new TriggerIndex<Resting>();
  /**
   * Trailing stops by market. Their stop moves with every new best price, so
   * they are checked one by one on each tick (O(trailing stops of the market)),
   * not through the sorted index.
   */
  private readonly trailing = new Map<string, Map<string, TrailingStop>>();
  private queue: Promise<void> = Promise.resolve();
  /** Market orders go through group commit: see market-order-batcher.ts. */
  private readonly batcher: MarketOrderBatcher;

  constructor(private readonly deps: TradingDeps) {
    this.batcher = new MarketOrderBatcher({ db: deps.db, feeRate: deps.rates.feeRate, log: deps.log });
  }

  /** Puts every resting order back in the trigger index (on start). */
  async rebuild(): Promise<number> {
    const resting = await listRestingOrders(this.deps.db);
    for (const order of resting) this.rest(order);
    return resting.length;
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
          const done = await this.fill(tx, inserted, fillPrice);
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
    if (order.status === "new") this.rest(order);
    for (const exit of exits) this.rest(exit);
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
      order: { ...row, id: randomUUID(), userId: user.id },
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
      const siblings = await this.cancelTwins(tx, order, "its twin exit was cancelled");
      twins = siblings.canceled;
      await postLedgerEntries(tx, [...releaseOf(order), ...siblings.releases]);
      return row;
    });
    if (!canceled) throw new AppError("order_not_open", `The order is ${order.status} and can no longer be cancelled.`);
    this.unrest(order.id, order.symbol);
    for (const twin of twins) this.unrest(twin.id, twin.symbol);
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

  async listOrders(user: UserRow, query: ListOrdersQuery) {
    const { rows, total } = await pageOrders(this.deps.db, { userId: user.id, ...query });
    return { orders: rows.map((row) => toResponse(row, row.fills)), total };
  }

  async portfolio(user: UserRow): Promise<PortfolioResponse> {
    const [balances, positions] = await Promise.all([
      listBalances(this.deps.db, { userId: user.id }),
      listPositions(this.deps.db, { userId: user.id }),
    ]);
    let equity = new Decimal(0);
    for (const b of balances) if (b.asset === "USD") equity = equity.plus(b.available).plus(b.held);
    const shown = positions
      .filter((p) => !new Decimal(p.quantity).isZero() || !new Decimal(p.realizedPnl).isZero())
      .map((p) => {
        const last = new Decimal(this.deps.lastPrice(p.symbol) ?? "0");
        const quantity = new Decimal(p.quantity);
        const marketValue = quantity.times(last);
        equity = equity.plus(marketValue);
        const averageCost = quantity.isZero() ? new Decimal(0) : new Decimal(p.cost).div(quantity);
        return {
          symbol: p.symbol,
          quantity: quantity.toFixed(),
          averageCost: formatAmount(averageCost.toDecimalPlaces(8).toFixed(), "USD"),
          marketValue: marketValue.toFixed(2, Decimal.ROUND_HALF_EVEN),
          unrealizedPnl: marketValue.minus(p.cost).toFixed(2, Decimal.ROUND_HALF_EVEN),
          realizedPnl: new Decimal(p.realizedPnl).toFixed(2, Decimal.ROUND_HALF_EVEN),
        };
      });
    return {
      balances: balances.map((b) => ({
        asset: b.asset,
        available: formatAmount(b.available, b.asset),
        held: formatAmount(b.held, b.asset),
      })),
      positions: shown,
      equity: equity.toFixed(2, Decimal.ROUND_HALF_EVEN),
    };
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
    for (const order of canceled) this.unrest(order.id, order.symbol);
    this.deps.notify(user.id, { kind: "balance" });
  }

  /** Equity over time, replayed from the ledger and valued at each candle's close. */
  async equityHistory(user: UserRow, range: "24h" | "7d"): Promise<PortfolioHistoryResponse> {
    const interval = range === "24h" ? "5m" : "1h";
    const now = Date.now();
    const from = now - (range === "24h" ? 86_400_000 : 7 * 86_400_000);
    const [entries, closes] = await Promise.all([
      listLedger(this.deps.db, { userId: user.id }),
      Promise.all(
        this.deps.specs.map(async (spec) => ({
          spec,
          candles: await listCandles(this.deps.db, { symbol: spec.symbol, interval, from, limit: 2_000 }),
        })),
      ),
    ]);
    // The series starts with the account: no flat line of zeros before it existed.
    const opened = entries[0]?.createdAt.getTime() ?? now;
    const times = [...new Set(closes.flatMap((c) => c.candles.map((k) => k.time)))]
      .filter((time) => time > opened)
      .sort((a, b) => a - b);
    const holdings = new Map<string, Decimal>();
    const points: { time: number; equity: string }[] = [];
    let next = 0;
    const valueAt = (time: number, close: (spec: MarketSpec) => string | undefined) => {
      // Entries up to the end of this candle count towards it.
      for (let e = entries[next]; e && e.createdAt.getTime() < time; e = entries[++next]) {
        holdings.set(e.asset, (holdings.get(e.asset) ?? new Decimal(0)).plus(e.availableDelta).plus(e.heldDelta));
      }
      let equity = holdings.get("USD") ?? new Decimal(0);
      for (const spec of this.deps.specs) {
        const quantity = holdings.get(spec.base);
        const price = close(spec);
        if (quantity && price) equity = equity.plus(quantity.times(price));
      }
      return equity.toFixed(2, Decimal.ROUND_HALF_EVEN);
    };
    const length = INTERVAL_MS[interval];
    // The opening deposit is the first point (holdings then are cash, so prices do not matter).
    if (opened >= from)
      points.push({ time: opened, equity: valueAt(opened + 1, (spec) => this.deps.lastPrice(spec.symbol)) });
    for (const time of times) {
      const equity = valueAt(
        time + length,
        (spec) => closes.find((c) => c.spec === spec)?.candles.find((k) => k.time === time)?.close,
      );
      points.push({ time, equity });
    }
    points.push({ time: now, equity: valueAt(now + 1, (spec) => this.deps.lastPrice(spec.symbol)) });
    return { range, points };
  }

  /** Called with every trade price: fills what the price reached, one order at a time. */
  onPrice(symbol: string, price: string): void {
    const fired: Resting[] = [...this.index.fire(symbol, price), ...this.followTrail(symbol, price)];
    if (fired.length === 0) return;
    this.enqueue("triggered orders", async () => {
      for (const entry of fired) {
        try {
          await this.trigger(entry, price);
        } catch (error) {
          this.deps.log?.(`order ${entry.orderId} could not be processed: ${(error as Error).message}`);
          this.rearm(entry);
        }
      }
    });
  }

  /**
   * Appends a step to the engine's work queue. The step contains its own
   * failure: the queue itself never rejects, so one bad write cannot stop the
   * steps after it, `settled()` never rejects, and no rejection goes unhandled.
   */
  private enqueue(what: string, step: () => Promise<void>): void {
    this.queue = this.queue.then(step).catch((error: unknown) => {
      this.deps.log?.(`${what} failed: ${(error as Error).message}`);
    });
  }

  /**
   * A triggered order whose processing failed (its transaction rolled back, so
   * it is still open) goes back into the index after a pause, to be tried on a
   * later tick instead of waiting for the next restart.
   */
  private rearm(entry: Resting): void {
    const timer = setTimeout(() => {
      findOrder(this.deps.db, { userId: entry.userId, id: entry.orderId })
        .then((order) => {
          if (order?.status === "new") this.rest(order);
        })
        .catch(() => {
          // The database is away (or closed): the order is rebuilt from it on the next start.
        });
    }, 1_000);
    timer.unref();
  }

  /** Resolves when every fill triggered so far is written. */
  settled(): Promise<void> {
    return this.queue;
  }

  private async trigger(entry: Resting, price: string): Promise<void> {
    const order = await findOrder(this.deps.db, { userId: entry.userId, id: entry.orderId });
    if (order?.status !== "new") return;
    const spec = findMarket(order.symbol, this.deps.specs);
    if (!spec) return;
    if (order.type === "stop_limit" && !order.triggeredAt) {
      // The stop is reached: from now on it is a limit order.
      const triggered = await transitionOrder(this.deps.db, {
        id: order.id,
        from: ["new"],
        set: { triggeredAt: new Date() },
      });
      if (!triggered) return;
      if (!limitCrossed(order.side, order.limitPrice ?? "0", price)) {
        this.rest(triggered);
        return;
      }
    }
    const fillPrice =
      order.type === "stop" || order.type === "trailing_stop"
        ? marketFillPrice(spec, order.side, price, this.deps.rates.slippageRate)
        : limitFillPrice(order.side, order.limitPrice ?? price, price);
    let filled: OrderRow | null;
    let exits: OrderRow[] = [];
    let twins: OrderRow[] = [];
    let fills: FillRow[] = [];
    try {
      filled = await retryingTransaction(this.deps.db, async (tx) => {
        const claimed = await transitionOrder(tx, {
          id: order.id,
          from: ["new"],
          set: { status: "filled", filledQuantity: order.quantity, holdAmount: "0" },
        });
        if (!claimed) return null;
        // One cancels the other: the twin exit goes, giving back what it reserved, with what this order reserved.
        const siblings = await this.cancelTwins(tx, order, "one-cancels-other: the other exit filled");
        twins = siblings.canceled;
        const done = await this.fill(tx, claimed, fillPrice, [...releaseOf(order), ...siblings.releases]);
        fills = [done.fill];
        exits = done.exits;
        return claimed;
      });
    } catch (error) {
      if (!isCheckViolation(error)) throw error;
      // The price gapped past what the order reserved and the account cannot pay the difference.
      filled = await retryingTransaction(this.deps.db, async (tx) => {
        const rejected = await transitionOrder(tx, {
          id: order.id,
          from: ["new"],
          set: { status: "rejected", holdAmount: "0", reason: "insufficient funds at the trigger price" },
        });
        if (rejected) await postLedgerEntries(tx, releaseOf(order));
        return rejected;
      });
      fills = [];
      twins = [];
      exits = [];
    }
    if (!filled) return;
    for (const twin of twins) this.unrest(twin.id, twin.symbol);
    for (const exit of exits) this.rest(exit);
    const response = toResponse(filled, fills);
    this.deps.notify(order.userId, {
      kind: "order",
      // Not filled means refused at the trigger price: the user sees why (order.reason), not a cancel they never made.
      event: filled.status === "filled" ? "filled" : "rejected",
      order: response,
    });
    this.deps.notify(order.userId, { kind: "balance" });
  }

  /**
   * Executes the whole order at `price` inside `tx`: the fill, the money (with
   * `alsoPost`, entries of the same event, in the same statement), the position;
   * and places a filled buy's bracket exits. The order row is already `filled`.
   */
  private async fill(
    tx: Executor,
    order: OrderRow,
    price: Decimal,
    alsoPost: readonly LedgerEntry[] = [],
  ): Promise<{ fill: FillRow; exits: OrderRow[] }> {
    const spec = findMarket(order.symbol, this.deps.specs);
    if (!spec) throw new Error(`no market ${order.symbol}`);
    const quantity = new Decimal(order.quantity);
    const notional = cashFor(quantity.times(price), order.side, spec.quote);
    const fee = feeFor(notional, this.deps.rates.feeRate, spec.quote);
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
    const exits = await this.placeExits(tx, order, spec);
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
  private async placeExits(
    tx: Executor,
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
  private async cancelTwins(
    tx: Executor,
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

  private rest(order: OrderRow): void {
    if (order.type === "trailing_stop") {
      const byId = this.trailing.get(order.symbol) ?? new Map<string, TrailingStop>();
      this.trailing.set(order.symbol, byId);
      byId.set(order.id, {
        orderId: order.id,
        userId: order.userId,
        side: order.side,
        reference: new Decimal(order.trailReference ?? order.stopPrice ?? "0"),
        stop: new Decimal(order.stopPrice ?? "0"),
        trail: { percent: order.trailPercent, price: order.trailPrice },
        moved: false,
      });
      return;
    }
    const waitingAsLimit = order.type === "stop_limit" && order.triggeredAt !== null;
    const { direction, threshold } = restingTrigger(waitingAsLimit ? { ...order, type: "limit" } : order);
    this.index.add(order.id, order.symbol, direction, threshold, { orderId: order.id, userId: order.userId });
  }

  private unrest(id: string, symbol: string): void {
    this.index.remove(id);
    this.trailing.get(symbol)?.delete(id);
  }

  /**
   * Moves every trailing stop of the market after a new best price and returns
   * the ones the price reached. Moved stops are written in the background, so a
   * restart resumes from (nearly) where they were.
   */
  private followTrail(symbol: string, price: string): Resting[] {
    const stops = this.trailing.get(symbol);
    if (!stops || stops.size === 0) return [];
    const spec = findMarket(symbol, this.deps.specs);
    if (!spec) return [];
    const p = new Decimal(price);
    const fired: Resting[] = [];
    for (const stop of stops.values()) {
      const better = stop.side === "sell" ? p.greaterThan(stop.reference) : p.lessThan(stop.reference);
      if (better) {
        stop.reference = p;
        stop.stop = trailingStopPrice(spec, stop.side, price, stop.trail);
        stop.moved = true;
      }
      const reached = stop.side === "sell" ? p.lessThanOrEqualTo(stop.stop) : p.greaterThanOrEqualTo(stop.stop);
      if (reached) {
        stops.delete(stop.orderId);
        fired.push(stop);
      }
    }
    // Stops whose last write failed are written again with this tick's moves.
    const unsaved = [...stops.values()].filter((stop) => stop.moved);
    if (unsaved.length > 0) this.enqueue("trailing stop moves", () => this.saveTrail(unsaved));
    return fired;
  }

  /** Writes moved stops one by one; a stop whose write fails stays marked and is tried again on the next tick. */
  private async saveTrail(stops: readonly TrailingStop[]): Promise<void> {
    for (const stop of stops) {
      const written = { reference: stop.reference, stop: stop.stop };
      try {
        await moveTrailingStop(this.deps.db, {
          id: stop.orderId,
          trailReference: written.reference.toFixed(),
          stopPrice: written.stop.toFixed(),
        });
        // A newer move made while this one was written is still to be saved.
        if (stop.reference.equals(written.reference)) stop.moved = false;
      } catch (error) {
        this.deps.log?.(`trailing stop ${stop.orderId} could not be saved: ${(error as Error).message}`);
      }
    }
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

/** The entry that gives back what a resting order reserved (none when it reserved nothing). */
function releaseOf(order: OrderRow): LedgerEntry[] {
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

function reaches(trigger: { direction: "rise" | "fall"; threshold: string }, price: string): boolean {
  return trigger.direction === "rise"
    ? new Decimal(price).greaterThanOrEqualTo(trigger.threshold)
    : new Decimal(price).lessThanOrEqualTo(trigger.threshold);
}

/** The fields that make two requests "the same order" for idempotency, in a fixed order. */
const REQUEST_FIELDS = [
  "symbol",
  "side",
  "type",
  "quantity",
  "notional",
  "limitPrice",
  "stopPrice",
  "timeInForce",
  "takeProfit",
  "stopLoss",
  "trailPercent",
  "trailPrice",
] as const satisfies readonly (keyof PlaceOrderBody)[];

function hashRequest(body: PlaceOrderBody): string {
  const canonical = JSON.stringify(REQUEST_FIELDS.map((field) => body[field] ?? null));
  return createHash("sha256").update(canonical).digest("base64url");
}

const trim = (value: string | null) => (value === null ? null : new Decimal(value).toFixed());

/** The order as the api shows it, with its fills (the order's own, oldest first). */
function toResponse(order: OrderRow, own: readonly FillValues[]): OrderResponse {
  const filled = own.reduce((sum, f) => sum.plus(f.quantity), new Decimal(0));
  const value = own.reduce((sum, f) => sum.plus(new Decimal(f.price).times(f.quantity)), new Decimal(0));
  return {
    id: order.id,
    clientOrderId: order.clientOrderId,
    symbol: order.symbol,
    side: order.side,
    type: order.type,
    status: order.status,
    timeInForce: order.timeInForce,
    quantity: new Decimal(order.quantity).toFixed(),
    filledQuantity: filled.toFixed(),
    averagePrice: filled.isZero() ? null : value.div(filled).toFixed(),
    limitPrice: trim(order.limitPrice),
    stopPrice: trim(order.stopPrice),
    reason: order.reason,
    takeProfit: trim(order.takeProfitPrice),
    stopLoss: trim(order.stopLossPrice),
    trailPercent: trim(order.trailPercent),
    trailPrice: trim(order.trailPrice),
    parentOrderId: order.parentOrderId,
    fills: own.map((f) => ({
      price: new Decimal(f.price).toFixed(),
      quantity: new Decimal(f.quantity).toFixed(),
      fee: new Decimal(f.fee).toFixed(),
      time: f.createdAt.toISOString(),
    })),
    createdAt: order.createdAt.toISOString(),
  };
}
