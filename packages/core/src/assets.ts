import { Decimal } from "./decimal.ts";

/** The quote currency of every market and of the paper balance. */
export const QUOTE_ASSET = "USD";

/** Display and rounding precision per asset; unknown assets fall back to 8 places. */
const ASSET_DECIMALS: Readonly<Record<string, number>> = { USD: 2, BTC: 8, ETH: 8, SOL: 8 };

export function assetDecimals(asset: string): number {
  return ASSET_DECIMALS[asset] ?? 8;
}

/**
 * An amount for the wire at its asset's precision ("100000" USD → "100000.00"),
 * keeping any digits beyond it rather than rounding them away.
 */
export function formatAmount(value: string, asset: string): string {
  const amount = new Decimal(value);
  const places = assetDecimals(asset);
  return amount.decimalPlaces() > places ? amount.toFixed() : amount.toFixed(places);
}
