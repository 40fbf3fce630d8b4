import { isDecimalString } from "@tradeboard/core";
import { z } from "zod";

/**
 * What every amount column holds: numeric(38,18) in packages/db/src/schema.ts, so
 * at most 20 digits before the decimal point and 18 after. A value beyond that
 * would overflow the column (a 500) or be rounded by the database.
 */
export const MAX_INTEGER_DIGITS = 20;
export const MAX_FRACTION_DIGITS = 18;

/** The shape of a wire decimal, of any length: "64123.50", "0.001"; no sign, exponent or leading zero. */
const PLAIN_DECIMAL = /^(0|[1-9]\d*)(\.\d+)?$/;

/**
 * A price, quantity or amount on the wire. JSON numbers are refused on purpose:
 * they are binary floats and lose cents.
 */
export const decimalString = z.unknown().transform((value, ctx) => {
  if (typeof value === "number") {
    ctx.addIssue({ code: "custom", message: 'send amounts as decimal strings such as "64123.50", not JSON numbers' });
    return z.NEVER;
  }
  if (typeof value !== "string" || !PLAIN_DECIMAL.test(value)) {
    ctx.addIssue({ code: "custom", message: 'expected a non-negative decimal string such as "64123.50"' });
    return z.NEVER;
  }
  // No leading zeros (PLAIN_DECIMAL), so every digit before the point counts.
  const [integer = "", fraction = ""] = value.split(".");
  if (integer.length > MAX_INTEGER_DIGITS || fraction.length > MAX_FRACTION_DIGITS || !isDecimalString(value)) {
    ctx.addIssue({
      code: "custom",
      message: `at most ${MAX_INTEGER_DIGITS} digits before the decimal point and ${MAX_FRACTION_DIGITS} after`,
    });
    return z.NEVER;
  }
  return value;
});
