import { createHash } from "node:crypto";
import type { OrderResponse, PlaceOrderBody } from "@tradeboard/contracts";
import { normalizeDecimalString, summarizeFills } from "@tradeboard/core";
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

const trim = (value: string | null) => (value === null ? null : normalizeDecimalString(value));

/** How much of the order filled, and at what average price (null before any fill). */
function filledOf(own: readonly FillValues[]): { quantity: string; averagePrice: string | null } {
  // Most orders have one fill or none: its own quantity and price, as text (every placed order is answered here).
  if (own.length === 0) return { quantity: "0", averagePrice: null };
  if (own.length === 1) {
    const [fill] = own as [FillValues];
    return { quantity: normalizeDecimalString(fill.quantity), averagePrice: normalizeDecimalString(fill.price) };
  }
  return summarizeFills(own);
}

/** The order as the api shows it, with its fills (the order's own, oldest first). */
export function toResponse(order: OrderRow, own: readonly FillValues[]): OrderResponse {
  const filled = filledOf(own);
  return {
    id: order.id,
    clientOrderId: order.clientOrderId,
    symbol: order.symbol,
    side: order.side,
    type: order.type,
    status: order.status,
    timeInForce: order.timeInForce,
    quantity: normalizeDecimalString(order.quantity),
    filledQuantity: filled.quantity,
    averagePrice: filled.averagePrice,
    limitPrice: trim(order.limitPrice),
    stopPrice: trim(order.stopPrice),
    reason: order.reason,
    takeProfit: trim(order.takeProfitPrice),
    stopLoss: trim(order.stopLossPrice),
    trailPercent: trim(order.trailPercent),
    trailPrice: trim(order.trailPrice),
    parentOrderId: order.parentOrderId,
    fills: own.map((f) => ({
      price: normalizeDecimalString(f.price),
      quantity: normalizeDecimalString(f.quantity),
      fee: normalizeDecimalString(f.fee),
      time: f.createdAt.toISOString(),
    })),
    createdAt: order.createdAt.toISOString(),
  };
}
