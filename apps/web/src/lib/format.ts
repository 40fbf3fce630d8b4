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
