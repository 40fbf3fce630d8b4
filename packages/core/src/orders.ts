import { assetDecimals } from "./assets.ts";
import { Decimal } from "./decimal.ts";
import { isDecimalString } from "./decimal-string.ts";
import { isOnGrid, type MarketSpec, snapToGrid } from "./markets.ts";
import type { TriggerDirection } from "./trigger-index.ts";

export type OrderSide = "buy" | "sell";
export type OrderType = "market" | "limit" | "stop" | "stop_limit" | "trailing_stop";
export type TimeInForce = "gtc" | "ioc";

export interface OrderRequest {
  side: OrderSide;
  type: OrderType;
  /** Base quantity; or `notional`, an amount of the quote asset, for market and limit orders. */
  quantity?: string;
  notional?: string;
  limitPrice?: string;
  stopPrice?: string;
  timeInForce: TimeInForce;
  takeProfit?: string;
  stopLoss?: string;
  /** Trailing stops: the distance from the best price since placing, in percent or in price. */
  trailPercent?: string;
  trailPrice?: string;
}

export interface TradingRates {
  /** Fee as a fraction of notional, e.g. "0.001" for 0.1 %. */
  feeRate: string;
  /** How far a market order fills from the last price, e.g. "0.0005". */
  slippageRate: string;
}

export type OrderRejection = { code: "invalid_order"; field: string; message: string };

/**
 * Checks an order against its market's grids and minimum, and works out its
 * quantity (from `notional` at the limit or last price when given as an amount).
 */
export function checkOrder(
  spec: Pick<MarketSpec, "tickSize" | "lotSize" | "minNotional" | "quote">,
  order: OrderRequest,
  lastPrice: string,
): { ok: true; quantity: Decimal } | ({ ok: false } & OrderRejection) {
  const reject = (field: string, message: string) => ({
    ok: false as const,
    code: "invalid_order" as const,
    field,
    message,
  });
  // Also used on what a person is still typing: anything that is not a decimal is refused, never thrown on.
  const fields = [
    "quantity",
    "notional",
    "limitPrice",
    "stopPrice",
    "takeProfit",
    "stopLoss",
    "trailPercent",
    "trailPrice",
  ] as const;
  for (const field of fields) {
    const value = order[field];
    if (value !== undefined && !isDecimalString(value))
      return reject(field, `${field} must be a decimal number such as 0.5`);
  }
  const needsLimit = order.type === "limit" || order.type === "stop_limit";
  const needsStop = order.type === "stop" || order.type === "stop_limit";
  if (needsLimit && !order.limitPrice) return reject("limitPrice", `a ${order.type} order needs a limitPrice`);
  if (!needsLimit && order.limitPrice) return reject("limitPrice", `a ${order.type} order takes no limitPrice`);
  if (needsStop && !order.stopPrice) return reject("stopPrice", `a ${order.type} order needs a stopPrice`);
  if (order.type === "trailing_stop") {
    if ((order.trailPercent === undefined) === (order.trailPrice === undefined)) {
      return reject("trailPercent", "a trailing stop needs either trailPercent or trailPrice");
    }
    if (order.trailPercent !== undefined) {
      const percent = new Decimal(order.trailPercent);
      if (percent.lessThanOrEqualTo(0) || percent.greaterThan(50))
        return reject("trailPercent", "trailPercent must be above 0 and at most 50");
    }
    if (order.trailPrice !== undefined) {
      if (new Decimal(order.trailPrice).lessThanOrEqualTo(0))
        return reject("trailPrice", "trailPrice must be above zero");
      if (!isOnGrid(order.trailPrice, spec.tickSize))
        return reject("trailPrice", `trailPrice must be a multiple of the tick size ${spec.tickSize}`);
    }
    if (order.timeInForce === "ioc") return reject("timeInForce", "trailing stops rest until triggered; use gtc");
  } else if (order.trailPercent !== undefined || order.trailPrice !== undefined) {
    return reject(order.trailPercent !== undefined ? "trailPercent" : "trailPrice", "only trailing stops take a trail");
  }
  if (!needsStop && order.stopPrice) return reject("stopPrice", `a ${order.type} order takes no stopPrice`);
  for (const field of ["limitPrice", "stopPrice", "takeProfit", "stopLoss"] as const) {
    const price = order[field];
    if (price === undefined) continue;
    if (new Decimal(price).lessThanOrEqualTo(0)) return reject(field, `${field} must be above zero`);
    if (!isOnGrid(price, spec.tickSize))
      return reject(field, `${field} must be a multiple of the tick size ${spec.tickSize}`);
  }
  if ((order.quantity === undefined) === (order.notional === undefined)) {
    return reject("quantity", "give either quantity or notional");
  }
  if (order.timeInForce === "ioc" && (order.type === "stop" || order.type === "stop_limit")) {
    return reject("timeInForce", "stop orders rest until triggered; use gtc");
  }
  const price = new Decimal(order.limitPrice ?? order.stopPrice ?? lastPrice);
  if (order.takeProfit || order.stopLoss) {
    if (order.side !== "buy")
      return reject(order.takeProfit ? "takeProfit" : "stopLoss", "take-profit and stop-loss attach to buys");
    if (order.takeProfit && new Decimal(order.takeProfit).lessThanOrEqualTo(price)) {
      return reject("takeProfit", "takeProfit must be above the buy price");
    }
    if (order.stopLoss && new Decimal(order.stopLoss).greaterThanOrEqualTo(price)) {
      return reject("stopLoss", "stopLoss must be below the buy price");
    }
  }
  let quantity: Decimal;
  if (order.notional !== undefined) {
    if (order.type !== "market" && order.type !== "limit")
      return reject("notional", "notional is for market and limit orders");
    quantity = snapToGrid(new Decimal(order.notional).div(price), spec.lotSize, "down");
  } else {
    quantity = new Decimal(order.quantity ?? "0");
    if (!isOnGrid(quantity, spec.lotSize)) {
      return reject("quantity", `quantity must be a multiple of the lot size ${spec.lotSize}`);
    }
  }
  if (quantity.lessThanOrEqualTo(0))
    return reject(order.notional ? "notional" : "quantity", "the order is smaller than one lot");
  if (quantity.times(price).lessThan(spec.minNotional)) {
    return reject(
      order.notional ? "notional" : "quantity",
      `the order is worth less than the minimum of ${spec.minNotional} ${spec.quote}`,
    );
  }
  return { ok: true, quantity };
}

/** The price a market order fills at: the last price moved against the taker by the slippage, on the tick grid. */
export function marketFillPrice(
  spec: Pick<MarketSpec, "tickSize">,
  side: OrderSide,
  lastPrice: string,
  slippageRate: string,
): Decimal {
  const last = new Decimal(lastPrice);
  if (side === "buy") return snapToGrid(last.times(new Decimal(1).plus(slippageRate)), spec.tickSize, "up");
  return Decimal.max(spec.tickSize, snapToGrid(last.times(new Decimal(1).minus(slippageRate)), spec.tickSize, "down"));
}

/** A limit order crossed by `price` fills at its limit, or better when the price gapped past it. */
export function limitFillPrice(side: OrderSide, limitPrice: string, price: string): Decimal {
  return side === "buy" ? Decimal.min(limitPrice, price) : Decimal.max(limitPrice, price);
}

/** Whether a limit order is marketable at `price` (would fill at once). */
export function limitCrossed(side: OrderSide, limitPrice: string, price: string): boolean {
  return side === "buy"
    ? new Decimal(price).lessThanOrEqualTo(limitPrice)
    : new Decimal(price).greaterThanOrEqualTo(limitPrice);
}

/** The trigger a resting order waits for: buy limits and sell stops on a fall, sell limits and buy stops on a rise. */
export function restingTrigger(order: {
  side: OrderSide;
  type: OrderType;
  limitPrice?: string | null;
  stopPrice?: string | null;
}): {
  direction: TriggerDirection;
  threshold: string;
} {
  const isStop = order.type === "stop" || order.type === "stop_limit";
  const threshold = (isStop ? order.stopPrice : order.limitPrice) ?? "0";
  const rising = isStop ? order.side === "buy" : order.side === "sell";
  return { direction: rising ? "rise" : "fall", threshold };
}

/**
 * The cash a fill moves, in whole units of the quote asset (cents): a buyer
 * pays the notional rounded up, a seller receives it rounded down, so rounding
 * never creates money.
 */
export function cashFor(notional: Decimal, side: OrderSide, quote: string): Decimal {
  return notional.toDecimalPlaces(assetDecimals(quote), side === "buy" ? Decimal.ROUND_UP : Decimal.ROUND_DOWN);
}

/** The fee on a fill, in the quote asset, rounded up to the quote's smallest unit. */
export function feeFor(notional: Decimal, feeRate: string, quote: string): Decimal {
  return notional.times(feeRate).toDecimalPlaces(assetDecimals(quote), Decimal.ROUND_UP);
}

/**
 * What an order reserves while it rests: a buy, its worst-case cost plus fee in
 * the quote asset; a sell, its quantity of the base asset.
 */
export function holdFor(
  spec: MarketSpec,
  side: OrderSide,
  quantity: Decimal,
  worstPrice: Decimal,
  feeRate: string,
): { asset: string; amount: Decimal } {
  if (side === "sell") return { asset: spec.base, amount: quantity };
  const notional = cashFor(quantity.times(worstPrice), "buy", spec.quote);
  return { asset: spec.quote, amount: notional.plus(feeFor(notional, feeRate, spec.quote)) };
}

/**
 * Where a trailing stop stands for a reference price (the best since it was
 * placed: the highest for a sell, the lowest for a buy): a sell's stop trails
 * below it, a buy's above, snapped to the tick grid away from the price.
 */
export function trailingStopPrice(
  spec: Pick<MarketSpec, "tickSize">,
  side: OrderSide,
  reference: string,
  trail: { percent?: string | null; price?: string | null },
): Decimal {
  const ref = new Decimal(reference);
  const distance = trail.percent ? ref.times(trail.percent).div(100) : new Decimal(trail.price ?? 0);
  if (side === "sell") return Decimal.max(spec.tickSize, snapToGrid(ref.minus(distance), spec.tickSize, "down"));
  return snapToGrid(ref.plus(distance), spec.tickSize, "up");
}
