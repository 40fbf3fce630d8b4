import { isDecimalString } from "@tradeboard/core";
import { z } from "zod";

/**
 * A price, quantity or amount on the wire. JSON numbers are refused on purpose:
 * they are binary floats and lose cents.
 */
export const decimalString = z.unknown().transform((value, ctx) => {
  if (typeof value === "number") {
    ctx.addIssue({ code: "custom", message: 'send amounts as decimal strings such as "64123.50", not JSON numbers' });
    return z.NEVER;
  }
  if (typeof value !== "string" || !isDecimalString(value)) {
    ctx.addIssue({ code: "custom", message: 'expected a non-negative decimal string such as "64123.50"' });
    return z.NEVER;
  }
  return value;
});
