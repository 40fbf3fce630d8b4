import { z } from "zod";
import { balance } from "./balances.ts";
import { decimalString } from "./decimal.ts";
import { marketSymbol } from "./markets.ts";

export const orderSides = ["buy", "sell"] as const;
export const orderTypes = ["market", "limit", "stop", "stop_limit", "trailing_stop"] as const;
export const orderStatuses = ["new", "partially_filled", "filled", "canceled", "rejected", "expired"] as const;
export type OrderStatus = (typeof orderStatuses)[number];

export const clientOrderId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.:-]+$/, "clientOrderId may hold letters, digits and _ . : - only");

/** POST /api/trades */
export const placeOrderBody = z.strictObject({
  symbol: marketSymbol,
  side: z.enum(orderSides),
  type: z.enum(orderTypes),
  /** Base quantity, or `notional` (quote amount) for market and limit orders. */
  quantity: decimalString.optional(),
  notional: decimalString.optional(),
  limitPrice: decimalString.optional(),
  stopPrice: decimalString.optional(),
  timeInForce: z.enum(["gtc", "ioc"]).default("gtc"),
  clientOrderId: clientOrderId.optional(),
  /** Trailing stops: follow the best price at this distance, in percent ("2.5") or in price ("500.00"). */
  trailPercent: decimalString.optional(),
  trailPrice: decimalString.optional(),
  /** Buys only: when the buy fills, a sell limit at this price… */
  takeProfit: decimalString.optional(),
  /** …and/or a sell stop at this price; when one of the two fills, the other is cancelled. */
  stopLoss: decimalString.optional(),
});
export type PlaceOrderBody = z.infer<typeof placeOrderBody>;

export const fill = z.object({ price: z.string(), quantity: z.string(), fee: z.string(), time: z.iso.datetime() });

export const orderResponse = z.object({
  id: z.uuid(),
  clientOrderId: z.string().nullable(),
  symbol: z.string(),
  side: z.enum(orderSides),
  type: z.enum(orderTypes),
  status: z.enum(orderStatuses),
  timeInForce: z.enum(["gtc", "ioc"]),
  quantity: z.string(),
  filledQuantity: z.string(),
  averagePrice: z.string().nullable(),
  limitPrice: z.string().nullable(),
  stopPrice: z.string().nullable(),
  /** Why a rejected or cancelled order ended, when it did not end by a fill or by the user. */
  reason: z.string().nullable(),
  takeProfit: z.string().nullable(),
  stopLoss: z.string().nullable(),
  trailPercent: z.string().nullable(),
  trailPrice: z.string().nullable(),
  /** For an exit placed by a bracket: the buy it protects. */
  parentOrderId: z.string().nullable(),
  fills: z.array(fill),
  createdAt: z.iso.datetime(),
});
export type OrderResponse = z.infer<typeof orderResponse>;

/** GET /api/trades */
export const listOrdersQuery = z.strictObject({
  symbol: marketSymbol.optional(),
  side: z.enum(orderSides).optional(),
  status: z.enum(orderStatuses).optional(),
  /** `open`: new and partially filled orders. */
  open: z
    .enum(["true", "false"])
    .transform((v) => v === "true")
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
export type ListOrdersQuery = z.infer<typeof listOrdersQuery>;

export const listOrdersResponse = z.object({ orders: z.array(orderResponse), total: z.number().int() });
export type ListOrdersResponse = z.infer<typeof listOrdersResponse>;

export const orderParams = z.strictObject({ id: z.uuid({ error: "not an order id" }) });
export const clientOrderParams = z.strictObject({ clientOrderId });

export const position = z.object({
  symbol: z.string(),
  quantity: z.string(),
  averageCost: z.string(),
  marketValue: z.string(),
  unrealizedPnl: z.string(),
  realizedPnl: z.string(),
});

/** GET /api/portfolio */
export const portfolioResponse = z.object({
  balances: z.array(balance),
  positions: z.array(position),
  equity: z.string(),
});
export type PortfolioResponse = z.infer<typeof portfolioResponse>;

/** GET /api/portfolio/history?range= */
export const portfolioHistoryQuery = z.strictObject({ range: z.enum(["24h", "7d"]).default("7d") });
export const portfolioHistoryResponse = z.object({
  range: z.enum(["24h", "7d"]),
  /** Equity in USD at each point: cash plus holdings at that time's close. */
  points: z.array(z.object({ time: z.number().int(), equity: z.string() })),
});
export type PortfolioHistoryResponse = z.infer<typeof portfolioHistoryResponse>;

/** GET /api/trades/export.csv takes the list filters without paging. */
export const exportOrdersQuery = listOrdersQuery.omit({ limit: true, offset: true });

/** Private events on the `user` channel. */
export type OrderEvent = {
  kind: "order";
  /** `rejected`: a triggered order the account could no longer pay for (the order's `reason` says why). */
  event: "accepted" | "filled" | "canceled" | "rejected";
  order: OrderResponse;
};
export type BalanceEvent = { kind: "balance" };
