import { isDecimalString } from "@tradeboard/core";
import { z } from "zod";

/**
 * Request schemas of the Alpaca-compatible surface (`/alpaca`), with Alpaca's
 * field names. Bodies there are parsed losslessly: a JSON number arrives as
 * the exact text it was written with, so `0.1` stays "0.1" (never a float).
 */

/** A decimal as Alpaca's clients send it: a string or a JSON number (its literal text), no sign, exponents written out. */
export const alpacaDecimal = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const text = typeof value === "number" ? String(value) : value.trim();
  const plain = expandExponent(text);
  if (plain === null || !isDecimalString(plain)) {
    ctx.addIssue({ code: "custom", message: `${JSON.stringify(value)} is not a positive decimal number` });
    return z.NEVER;
  }
  return plain;
});

/** "1e-7" → "0.0000001", "1.5E3" → "1500", exactly (string arithmetic); null when not a number. */
export function expandExponent(text: string): string | null {
  const match = /^(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,3}))?$/.exec(text);
  if (!match || (match[1] === "" && (match[2] ?? "") === "")) return text === "" ? null : text;
  if (match[3] === undefined) return text;
  let digits = `${match[1]}${match[2] ?? ""}`;
  let point = (match[1] ?? "").length + Number(match[3]);
  if (point < 0) {
    digits = "0".repeat(-point) + digits;
    point = 0;
  }
  if (point > digits.length) digits += "0".repeat(point - digits.length);
  const whole = digits.slice(0, point).replace(/^0+(?=\d)/, "") || "0";
  const fraction = digits.slice(point).replace(/0+$/, "");
  return fraction ? `${whole}.${fraction}` : whole;
}

const nullable = <T extends z.ZodType>(schema: T) => schema.nullish().transform((v) => v ?? undefined);

/** POST /alpaca/v2/orders */
export const alpacaOrderBody = z.object({
  symbol: z.string({ error: "symbol is required" }).min(1).max(32),
  qty: nullable(alpacaDecimal),
  notional: nullable(alpacaDecimal),
  side: z.enum(["buy", "sell"], { error: "side must be buy or sell" }),
  type: z.enum(["market", "limit", "stop", "stop_limit", "trailing_stop"], {
    error: "type must be market, limit, stop, stop_limit or trailing_stop",
  }),
  time_in_force: z.string({ error: "time_in_force is required" }),
  limit_price: nullable(alpacaDecimal),
  stop_price: nullable(alpacaDecimal),
  trail_price: nullable(alpacaDecimal),
  trail_percent: nullable(alpacaDecimal),
  extended_hours: nullable(z.boolean()),
  client_order_id: nullable(z.string().max(128)),
  order_class: nullable(z.enum(["", "simple", "bracket", "oco", "oto", "mleg"], { error: "invalid order_class" })),
  take_profit: nullable(z.object({ limit_price: alpacaDecimal })),
  stop_loss: nullable(z.object({ stop_price: alpacaDecimal, limit_price: nullable(alpacaDecimal) })),
  position_intent: nullable(z.string().max(32)),
});
export type AlpacaOrderBody = z.infer<typeof alpacaOrderBody>;

const booleanText = z.enum(["true", "false"]).transform((v) => v === "true");
const timeText = z
  .string()
  .refine((v) => !Number.isNaN(Date.parse(v)), "must be an RFC 3339 time or a date")
  .transform((v) => Date.parse(v));

/** GET /alpaca/v2/orders */
export const alpacaListOrdersQuery = z.object({
  status: z.enum(["open", "closed", "all"], { error: "status must be open, closed or all" }).default("open"),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  after: timeText.optional(),
  until: timeText.optional(),
  direction: z.enum(["asc", "desc"], { error: "direction must be asc or desc" }).default("desc"),
  nested: booleanText.optional(),
  symbols: z.string().max(1000).optional(),
  side: z.enum(["buy", "sell"]).optional(),
});

/** GET /alpaca/v2/orders:by_client_order_id */
export const alpacaClientOrderQuery = z.object({ client_order_id: z.string().min(1).max(128) });

/** GET /alpaca/v2/assets */
export const alpacaAssetsQuery = z.object({
  status: z.enum(["active", "inactive"]).optional(),
  asset_class: z.enum(["us_equity", "us_option", "crypto"]).optional(),
  exchange: z.string().optional(),
  attributes: z.string().optional(),
});

/** DELETE /alpaca/v2/positions/{symbol} */
export const alpacaClosePositionQuery = z.object({
  qty: alpacaDecimal.optional(),
  percentage: alpacaDecimal.optional(),
});

/** DELETE /alpaca/v2/positions */
export const alpacaCloseAllQuery = z.object({ cancel_orders: booleanText.optional() });

/** GET /alpaca/v1beta3/crypto/us/bars */
export const alpacaBarsQuery = z.object({
  symbols: z.string({ error: "symbols is required" }).min(1).max(1000),
  timeframe: z.string().default("1Min"),
  start: timeText.optional(),
  end: timeText.optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
  page_token: z.string().max(500).optional(),
  sort: z.enum(["asc", "desc"]).default("asc"),
});

/** The latest-* and snapshots endpoints. */
export const alpacaSymbolsQuery = z.object({ symbols: z.string({ error: "symbols is required" }).min(1).max(1000) });
