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
