/** Candle intervals, shortest first, with their length; all align to UTC epoch multiples. */
export const CANDLE_INTERVALS = ["1m", "5m", "15m", "1h", "4h", "1d"] as const;
export type CandleInterval = (typeof CANDLE_INTERVALS)[number];

const MINUTE = 60_000;
export const INTERVAL_MS: Readonly<Record<CandleInterval, number>> = {
  "1m": MINUTE,
  "5m": 5 * MINUTE,
  "15m": 15 * MINUTE,
  "1h": 60 * MINUTE,
  "4h": 240 * MINUTE,
  "1d": 1440 * MINUTE,
};

/** The open time of the candle of `interval` that contains `timeMs`. */
export function candleOpenTime(timeMs: number, interval: CandleInterval): number {
  const length = INTERVAL_MS[interval];
  return Math.floor(timeMs / length) * length;
}
