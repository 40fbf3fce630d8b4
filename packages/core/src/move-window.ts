import { Decimal } from "./decimal.ts";

interface Bucket {
  time: number;
  low: Decimal;
  high: Decimal;
}

/**
 * The lowest and highest price over a rolling window, for "moves by X % within
 * W" alerts. Prices are kept in one-second buckets with two monotonic queues,
 * so a tick costs amortised O(1) and memory is bounded by the window in
 * seconds, never a scan of history.
 */
export class MoveWindow {
  private readonly lows: Bucket[] = [];
  private readonly highs: Bucket[] = [];
  private lowStart = 0;
  private highStart = 0;

  constructor(readonly lengthMs: number) {}

  /** Adds a trade price at `time` (ms, non-decreasing). */
  add(time: number, price: string | Decimal): void {
    const p = new Decimal(price);
    const second = Math.floor(time / 1000) * 1000;
    const bucket = { time: second, low: p, high: p };
    push(this.lows, this.lowStart, bucket, (kept, incoming) => kept.low.greaterThanOrEqualTo(incoming.low));
    push(this.highs, this.highStart, bucket, (kept, incoming) => kept.high.lessThanOrEqualTo(incoming.high));
    const cutoff = time - this.lengthMs;
    while (this.lowStart < this.lows.length && (this.lows[this.lowStart]?.time ?? 0) + 1000 <= cutoff) this.lowStart++;
    while (this.highStart < this.highs.length && (this.highs[this.highStart]?.time ?? 0) + 1000 <= cutoff)
      this.highStart++;
    // Compact now and then so dropped buckets do not pile up.
    if (this.lowStart > 1024 && this.lowStart * 2 > this.lows.length) {
      this.lows.splice(0, this.lowStart);
      this.lowStart = 0;
    }
    if (this.highStart > 1024 && this.highStart * 2 > this.highs.length) {
      this.highs.splice(0, this.highStart);
      this.highStart = 0;
    }
  }

  get low(): Decimal | undefined {
    return this.lows[this.lowStart]?.low;
  }

  get high(): Decimal | undefined {
    return this.highs[this.highStart]?.high;
  }

  /** The larger of the rise from the window's low and the fall from its high, in percent, at `price`. */
  movePercent(price: string | Decimal): Decimal {
    const p = new Decimal(price);
    const { low, high } = this;
    const rise = low?.greaterThan(0) ? p.minus(low).div(low).times(100) : new Decimal(0);
    const fall = high?.greaterThan(0) ? high.minus(p).div(high).times(100) : new Decimal(0);
    return Decimal.max(rise, fall, 0);
  }
}

/**
 * Appends to a monotonic queue: a price in the same second as the last bucket
 * merges into it, then buckets the newcomer makes irrelevant leave the end.
 */
function push(
  queue: Bucket[],
  start: number,
  bucket: Bucket,
  irrelevant: (kept: Bucket, incoming: Bucket) => boolean,
): void {
  let incoming = bucket;
  const last = queue[queue.length - 1];
  if (last && queue.length > start && last.time === bucket.time) {
    queue.pop();
    incoming = { time: last.time, low: Decimal.min(last.low, bucket.low), high: Decimal.max(last.high, bucket.high) };
  }
  for (
    let kept = queue[queue.length - 1];
    kept && queue.length > start && irrelevant(kept, incoming);
    kept = queue[queue.length - 1]
  ) {
    queue.pop();
  }
  queue.push(incoming);
}
