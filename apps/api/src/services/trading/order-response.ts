import { createHash } from "node:crypto";
import type { OrderResponse, PlaceOrderBody } from "@tradeboard/contracts";
import { Decimal } from "@tradeboard/core";
import type { FillValues, OrderRow } from "@tradeboard/db";

/** The fields that make two requests "the same order" for idempotency, in a fixed order. */
export const REQUEST_FIELDS = [
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

export function hashRequest(body: PlaceOrderBody): string {
  const canonical = JSON.stringify(REQUEST_FIELDS.map((field) => body[field] ?? null));
  return createHash("sha256").update(canonical).digest("base64url");
}

const trim = (value: string | null) => (value === null ? null : new Decimal(value).toFixed());

/** The order as the api shows it, with its fills (the order's own, oldest first). */
export function toResponse(order: OrderRow, own: readonly FillValues[]): OrderResponse {
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
