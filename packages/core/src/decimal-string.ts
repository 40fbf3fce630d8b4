// The wire format of amounts, apart from the decimal library: a page that only checks
// what a person typed does not need to ship decimal.js.

/** A plain, non-negative decimal string as it travels on the wire: "64123.50", "0.001". */
export const DECIMAL_STRING = /^(0|[1-9]\d{0,29})(\.\d{1,18})?$/;

export function isDecimalString(value: string): boolean {
  return DECIMAL_STRING.test(value);
}
