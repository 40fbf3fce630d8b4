import DecimalJs from "decimal.js";
import { isDecimalString, trimNumericText } from "./decimal-string.ts";

/**
 * Exact decimal arithmetic for money. A private clone so that no other user of
 * decimal.js can change our precision or rounding.
 */
export const Decimal = DecimalJs.clone({ precision: 60, rounding: DecimalJs.ROUND_HALF_EVEN });
export type Decimal = InstanceType<typeof Decimal>;

/** Parses a wire decimal string; throws on anything else (numbers, exponents, signs, blanks). */
export function toDecimal(value: string): Decimal {
  if (!isDecimalString(value)) throw new RangeError(`not a decimal string: ${JSON.stringify(value)}`);
  return new Decimal(value);
}

/**
 * Renders a decimal for the wire with a fixed number of places, rounding half-even,
 * without exponent notation ("100000" at 2 places is "100000.00").
 */
export function toDecimalString(value: Decimal, places: number): string {
  return value.toFixed(places, Decimal.ROUND_HALF_EVEN);
}

/** Drops trailing zeros of a database NUMERIC string: "100000.000000000000000000" → "100000". */
export function normalizeDecimalString(value: string): string {
  return trimNumericText(value) ?? new Decimal(value).toFixed();
}

/** The decimal places every amount is stored with (NUMERIC(38, 18)), and so the places of an average of them. */
export const AMOUNT_SCALE = 18;
const SCALE_FACTOR = new Decimal(10).pow(AMOUNT_SCALE);

/**
 * How much filled in all, and the quantity-weighted average price, cut (not rounded) to
 * AMOUNT_SCALE places, the same digits the order list's statement computes with div(); null when
 * nothing filled. The integer quotient has at most 38 digits, inside the 60 of the precision, so
 * the cut is exact.
 */
export function summarizeFills(fills: readonly { price: string; quantity: string }[]): {
  quantity: string;
  averagePrice: string | null;
} {
  let filled = new Decimal(0);
  let value = new Decimal(0);
  for (const f of fills) {
    filled = filled.plus(f.quantity);
    value = value.plus(new Decimal(f.price).times(f.quantity));
  }
  const averagePrice = filled.isZero() ? null : value.times(SCALE_FACTOR).divToInt(filled).div(SCALE_FACTOR).toFixed();
  return { quantity: filled.toFixed(), averagePrice };
}
