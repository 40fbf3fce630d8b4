/**
 * Groups the integer part of a decimal string with thousands separators without
 * ever turning it into a float: "100000.00" → "100,000.00".
 */
export function groupDigits(decimal: string): string {
  const [whole = "0", fraction] = decimal.split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

export function formatMoney(decimal: string, asset: string): string {
  return asset === "USD" ? `$${groupDigits(decimal)}` : `${groupDigits(decimal)} ${asset}`;
}

/** Cuts a decimal string to `places` decimals and drops trailing zeros, by string (no float): "1.23456" → "1.2345". */
export function truncateDecimals(decimal: string, places: number): string {
  const [whole = "0", fraction = ""] = decimal.split(".");
  const kept = fraction.slice(0, places).replace(/0+$/, "");
  return kept ? `${whole}.${kept}` : whole;
}

/** Compares two non-negative decimal strings exactly, by their digits (no float, no decimal library): -1, 0 or 1. */
export function compareDecimals(a: string, b: string): -1 | 0 | 1 {
  const [aWhole = "0", aFraction = ""] = a.split(".");
  const [bWhole = "0", bFraction = ""] = b.split(".");
  const x = aWhole.replace(/^0+(?=\d)/, "");
  const y = bWhole.replace(/^0+(?=\d)/, "");
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  if (x !== y) return x < y ? -1 : 1;
  const width = Math.max(aFraction.length, bFraction.length);
  const p = aFraction.padEnd(width, "0");
  const q = bFraction.padEnd(width, "0");
  return p === q ? 0 : p < q ? -1 : 1;
}
