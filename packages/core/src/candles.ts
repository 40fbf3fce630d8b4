import { Decimal } from "./decimal.ts";
import { type CandleInterval, candleOpenTime } from "./intervals.ts";

/**
 * One candle; `time` is the open time in ms (aligned to the interval, UTC).
 * Prices are the text of the trades they came from, unchanged (the simulator
 * writes them at the market's tick precision, "64000.00"); `volume` is the
 * exact sum rendered by Decimal.toFixed(), without trailing zeros ("1.875").
 */
export interface Candle {
  time: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
}

export interface PriceTick {
  price: string;
  quantity: string;
  time: number;
}

/**
 * Builds the candles of one interval from trades in time order. Prices are kept
 * exactly as the trades carried them; volume is their exact sum. A trade older
 * than the forming candle is ignored: a closed candle is never reopened.
 * Minutes without trades produce no candle (charts show the gap). Every
 * candle handed out is a snapshot: later trades never change it.
 */
export class CandleBuilder {
  private forming: Candle | undefined;

  /** `current` resumes a forming candle, e.g. the last one stored before a restart. */
  constructor(
    readonly interval: CandleInterval,
    current?: Candle,
  ) {
    this.forming = current && { ...current };
  }

  get current(): Candle | undefined {
    return this.forming;
  }

  /**
   * Applies one trade; returns the candle it closed, if any (a trade after a
   * gap closes the forming candle and opens its own, with no empty candles in
   * between), and the forming candle after it.
   */
  apply(tick: PriceTick): { closed: Candle[]; current: Candle } {
    const open = candleOpenTime(tick.time, this.interval);
    const forming = this.forming;
    // Out of order and older than the forming candle: its candle is closed (maybe stored and sent), so drop it.
    // A late trade within the forming candle still counts, and becomes its close.
    if (forming && open < forming.time) return { closed: [], current: forming };
    if (forming && open === forming.time) {
      const price = new Decimal(tick.price);
      // A new object, not an update in place, so a candle already handed out stays as it was.
      const next: Candle = {
        time: forming.time,
        open: forming.open,
        high: price.greaterThan(forming.high) ? tick.price : forming.high,
        low: price.lessThan(forming.low) ? tick.price : forming.low,
        close: tick.price,
        volume: new Decimal(forming.volume).plus(tick.quantity).toFixed(),
      };
      this.forming = next;
      return { closed: [], current: next };
    }
    const next: Candle = {
      time: open,
      open: tick.price,
      high: tick.price,
      low: tick.price,
      close: tick.price,
      volume: new Decimal(tick.quantity).toFixed(),
    };
    this.forming = next;
    return { closed: forming ? [forming] : [], current: next };
  }
}

/**
 * Merges finer candles (sorted by time) into coarser ones: the open of the
 * first, the close of the last, the highest high, the lowest low, the summed
 * volume, grouped by the coarser interval's open time.
 */
export function mergeCandles(candles: readonly Candle[], interval: CandleInterval): Candle[] {
  const merged: Candle[] = [];
  let group: { candle: Candle; volume: Decimal } | undefined;
  for (const candle of candles) {
    const time = candleOpenTime(candle.time, interval);
    if (group && group.candle.time === time) {
      // Prices keep the text they came with; only the comparison is numeric.
      if (new Decimal(candle.high).greaterThan(group.candle.high)) group.candle.high = candle.high;
      if (new Decimal(candle.low).lessThan(group.candle.low)) group.candle.low = candle.low;
      group.volume = group.volume.plus(candle.volume);
      group.candle.close = candle.close;
      continue;
    }
    if (group) merged.push({ ...group.candle, volume: group.volume.toFixed() });
    group = { candle: { ...candle, time }, volume: new Decimal(candle.volume) };
  }
  if (group) merged.push({ ...group.candle, volume: group.volume.toFixed() });
  return merged;
}
