// The wire format of amounts, apart from the decimal library: a page that only checks
// what a person typed does not need to ship decimal.js.

/** A plain, non-negative decimal string as it travels on the wire: "64123.50", "0.001". */
export const DECIMAL_STRING = /^(0|[1-9]\d{0,29})(\.\d{1,18})?$/;

export function isDecimalString(value: string): boolean {
  return DECIMAL_STRING.test(value);
}

/** A NUMERIC as a database writes it: an optional minus, digits, and decimals after a point. */
const NUMERIC_TEXT = /^(-?)0*(\d+?)(?:\.(\d*?)0*)?$/;

/**
 * NUMERIC text without its leading and trailing zeros ("100000.000000000000000000" → "100000",
 * "0.001000" → "0.001", "-0.0" → "0"), as decimal.js's toFixed() writes the same value, read as
 * text alone; null for text of another shape.
 */
export function trimNumericText(value: string): string | null {
  const match = NUMERIC_TEXT.exec(value);
  if (!match) return null;
  const [, sign, whole, decimals] = match;
  const digits = decimals ? `${whole}.${decimals}` : (whole as string);
  return digits === "0" ? "0" : `${sign}${digits}`;
}
