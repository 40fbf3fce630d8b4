import { Decimal } from "./decimal.ts";
import { type CandleInterval, candleOpenTime } from "./intervals.ts";

/** One candle; amounts are decimal strings, `time` is the open time in ms (aligned to the interval, UTC). */
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
 * Minutes without trades produce no candle (charts show the gap).
 */
export class CandleBuilder {
  private forming: Candle | undefined;

  constructor(
    readonly interval: CandleInterval,
    current?: Candle,
  ) {
    this.forming = current && { ...current };
  }

  get current(): Candle | undefined {
    return this.forming;
  }

  apply(tick: PriceTick): { closed: Candle[]; current: Candle } {
    const open = candleOpenTime(tick.time, this.interval);
    const forming = this.forming;
    if (forming && open < forming.time) return { closed: [], current: forming };
    if (forming && open === forming.time) {
      const price = new Decimal(tick.price);
      if (price.greaterThan(forming.high)) forming.high = tick.price;
      if (price.lessThan(forming.low)) forming.low = tick.price;
      forming.close = tick.price;
      forming.volume = new Decimal(forming.volume).plus(tick.quantity).toFixed();
      return { closed: [], current: forming };
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
