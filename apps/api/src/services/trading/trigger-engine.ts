import {
  Decimal,
  findMarket,
  limitCrossed,
  limitFillPrice,
  marketFillPrice,
  type OrderSide,
  restingTrigger,
  type TriggerDirection,
  TriggerIndex,
  trailingStopPrice,
  triggerReached,
} from "@tradeboard/core";
import {
  type FillRow,
  findOrder,
  isCheckViolation,
  listRestingOrders,
  moveTrailingStop,
  type OrderRow,
  postLedgerEntries,
  retryingTransaction,
  transitionOrder,
} from "@tradeboard/db";
import type { TradingDeps } from "../trading.ts";
import { cancelTwins, executeFill, releaseOf } from "./fills.ts";
import { toResponse } from "./order-response.ts";

type Resting = {
  orderId: string;
  userId: string;
  /** A stop-limit before its stop: where it rests as a limit once the stop is reached. */
  limitAfterStop?: { direction: TriggerDirection; threshold: string };
};
type TrailingStop = Resting & {
  side: OrderSide;
  reference: Decimal;
  stop: Decimal;
  trail: { percent: string | null; price: string | null };
  /** Moved since its last successful write to the database. */
  moved: boolean;
};

/**
 * Resting orders and what the price does to them: they wait in the trigger
 * index (trailing stops in a map per market, as their stop moves), and a tick
 * that reaches them fills them, one at a time, on the engine's work queue.
 */
export class TriggerEngine {
  private readonly index = new TriggerIndex<Resting>();
  /**
   * Trailing stops by market. Their stop moves with every new best price, so
   * they are checked one by one on each tick (O(trailing stops of the market)),
   * not through the sorted index.
   */
  private readonly trailing = new Map<string, Map<string, TrailingStop>>();
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly deps: TradingDeps) {}

  /** Puts every resting order back in the trigger index (on start). */
  async rebuild(): Promise<number> {
    const resting = await listRestingOrders(this.deps.db);
    for (const order of resting) this.rest(order);
    return resting.length;
  }

  /** Called with every trade price: fills what the price reached, one order at a time. */
  onPrice(symbol: string, price: string): void {
    const fired: Resting[] = [...this.index.fire(symbol, price), ...this.followTrail(symbol, price)];
    if (fired.length === 0) return;
    // A stop-limit whose stop this price reached but not its limit rests as a limit at once, so the very
    // next trade finds it (its trigger below, on the work queue, may run after that trade arrives).
    for (const entry of fired) {
      const limit = entry.limitAfterStop;
      if (limit && !triggerReached(limit.direction, price, limit.threshold)) {
        this.index.add(entry.orderId, symbol, limit.direction, limit.threshold, {
          orderId: entry.orderId,
          userId: entry.userId,
        });
      }
    }
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
      // Not at its limit yet: it already rests as a limit (onPrice put it back in the index).
      if (!limitCrossed(order.side, order.limitPrice ?? "0", price)) return;
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
        const siblings = await cancelTwins(tx, order, "one-cancels-other: the other exit filled");
        twins = siblings.canceled;
        const done = await executeFill(tx, this.deps, claimed, fillPrice, [...releaseOf(order), ...siblings.releases]);
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

  rest(order: OrderRow): void {
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
    const asLimit = restingTrigger({ ...order, type: "limit" });
    if (order.type === "stop_limit" && order.triggeredAt !== null) {
      this.index.add(order.id, order.symbol, asLimit.direction, asLimit.threshold, {
        orderId: order.id,
        userId: order.userId,
      });
      return;
    }
    const { direction, threshold } = restingTrigger(order);
    this.index.add(order.id, order.symbol, direction, threshold, {
      orderId: order.id,
      userId: order.userId,
      ...(order.type === "stop_limit" ? { limitAfterStop: asLimit } : {}),
    });
  }

  unrest(id: string, symbol: string): void {
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
}
