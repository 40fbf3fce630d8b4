/**
 * One side-by-side price ladder of a venue's order book, kept exactly as the
 * venue sent it: prices and quantities are the venue's decimal strings (a
 * Kraken checksum is computed over that text), never floats. Levels are keyed
 * by the normalised price, so "64000.10" and "64000.1" are one level.
 */
export interface BookLevel {
  price: string;
  quantity: string;
}

export interface BookSnapshot {
  symbol: string;
  /** Best first: bids high to low, asks low to high. */
  bids: BookLevel[];
  asks: BookLevel[];
  /** Local time of the last change, ms since the epoch. */
  time: number;
}

/** "0064000.1000" → "64000.1"; "0.000" → "0". Positive decimal strings only. */
export function normalizeDecimal(value: string): string {
  let start = 0;
  const dot = value.indexOf(".");
  const intEnd = dot === -1 ? value.length : dot;
  while (start < intEnd - 1 && value.charCodeAt(start) === 48) start++;
  if (dot === -1) return value.slice(start);
  let end = value.length;
  while (end > dot + 1 && value.charCodeAt(end - 1) === 48) end--;
  return end === dot + 1 ? value.slice(start, dot) : value.slice(start, end);
}

/** Compares two normalised non-negative decimal strings without converting them to numbers. */
export function compareDecimal(a: string, b: string): number {
  const da = a.indexOf(".");
  const db = b.indexOf(".");
  const ia = da === -1 ? a.length : da;
  const ib = db === -1 ? b.length : db;
  if (ia !== ib) return ia - ib;
  for (let i = 0; i < ia; i++) {
    const d = a.charCodeAt(i) - b.charCodeAt(i);
    if (d !== 0) return d;
  }
  const fa = da === -1 ? "" : a.slice(da + 1);
  const fb = db === -1 ? "" : b.slice(db + 1);
  const n = Math.max(fa.length, fb.length);
  for (let i = 0; i < n; i++) {
    const d = (fa.charCodeAt(i) || 48) - (fb.charCodeAt(i) || 48);
    if (d !== 0) return d;
  }
  return 0;
}

/** Whether a decimal string is zero ("0", "0.00000000"). */
export function isZeroDecimal(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c !== 48 && c !== 46) return false;
  }
  return true;
}

export class OrderBook {
  private readonly bids = new Map<string, BookLevel>();
  private readonly asks = new Map<string, BookLevel>();
  /** The best key of each side, kept as levels change; null when the best level left (found again on demand). */
  private bestBid: string | undefined | null;
  private bestAsk: string | undefined | null;
  time = 0;

  constructor(readonly symbol: string) {}

  clear(): void {
    this.bids.clear();
    this.asks.clear();
    this.bestBid = undefined;
    this.bestAsk = undefined;
  }

  get size(): { bids: number; asks: number } {
    return { bids: this.bids.size, asks: this.asks.size };
  }

  /** Sets a level to `quantity` (the new total at that price, not a delta); zero removes it. */
  set(side: "bid" | "ask", price: string, quantity: string): void {
    const bid = side === "bid";
    const levels = bid ? this.bids : this.asks;
    const key = normalizeDecimal(price);
    const best = bid ? this.bestBid : this.bestAsk;
    if (isZeroDecimal(quantity)) {
      levels.delete(key);
      if (key === best) this.setBest(bid, null);
      return;
    }
    levels.set(key, { price, quantity });
    if (best === null) return;
    if (best === undefined || (bid ? compareDecimal(key, best) > 0 : compareDecimal(key, best) < 0))
      this.setBest(bid, key);
  }

  private setBest(bid: boolean, key: string | undefined | null): void {
    if (bid) this.bestBid = key;
    else this.bestAsk = key;
  }

  /** The best price key of a side, scanning (once) after the best level was removed. */
  private best(bid: boolean): string | undefined {
    const cached = bid ? this.bestBid : this.bestAsk;
    if (cached !== null) return cached;
    let best: string | undefined;
    for (const key of (bid ? this.bids : this.asks).keys()) {
      if (best === undefined || (bid ? compareDecimal(key, best) > 0 : compareDecimal(key, best) < 0)) best = key;
    }
    this.setBest(bid, best);
    return best;
  }

  /** The best `depth` levels of each side. */
  top(depth: number): { bids: BookLevel[]; asks: BookLevel[] } {
    return { bids: this.sorted(this.bids, -1).slice(0, depth), asks: this.sorted(this.asks, 1).slice(0, depth) };
  }

  /**
   * Drops the levels beyond `depth` on each side (Kraken sends no removal for
   * levels that leave the subscribed depth) and returns the top `depth`, sorting once.
   */
  truncate(depth: number): { bids: BookLevel[]; asks: BookLevel[] } {
    const top = { bids: [] as BookLevel[], asks: [] as BookLevel[] };
    for (const [levels, direction, out] of [
      [this.bids, -1, top.bids],
      [this.asks, 1, top.asks],
    ] as const) {
      const sorted = this.sorted(levels, direction);
      for (const level of sorted.slice(depth)) levels.delete(normalizeDecimal(level.price));
      out.push(...sorted.slice(0, depth));
    }
    return top;
  }

  /** True when the best bid is at or above the best ask: a book no venue would publish. */
  isCrossed(): boolean {
    const bid = this.best(true);
    const ask = this.best(false);
    return bid !== undefined && ask !== undefined && compareDecimal(bid, ask) >= 0;
  }

  snapshot(depth: number): BookSnapshot {
    return { symbol: this.symbol, ...this.top(depth), time: this.time };
  }

  private sorted(levels: Map<string, BookLevel>, direction: 1 | -1): BookLevel[] {
    return [...levels.entries()].sort(([a], [b]) => direction * compareDecimal(a, b)).map(([, level]) => level);
  }
}
