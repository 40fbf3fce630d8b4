import { Decimal } from "./decimal.ts";

/** `rise`: fires when the price reaches the threshold or above; `fall`: at it or below. */
export type TriggerDirection = "rise" | "fall";

interface Entry<T> {
  id: string;
  threshold: Decimal;
  seq: number;
  value: T;
}

/**
 * "Fire when the price crosses X", for resting orders and alerts alike. Per
 * symbol and direction the entries are kept sorted so that the next to fire is
 * always at the end of an array: a tick costs one comparison plus one pop per
 * fired entry, and adding or removing one is a binary search (and a move of the
 * array's tail). Entries fire in price-time order: the first threshold the
 * price reaches first, ties by insertion.
 */
export class TriggerIndex<T> {
  private readonly books = new Map<string, { rise: Entry<T>[]; fall: Entry<T>[] }>();
  private readonly where = new Map<string, { symbol: string; direction: TriggerDirection; entry: Entry<T> }>();
  private seq = 0;

  get size(): number {
    return this.where.size;
  }

  has(id: string): boolean {
    return this.where.has(id);
  }

  add(id: string, symbol: string, direction: TriggerDirection, threshold: string, value: T): void {
    if (this.where.has(id)) this.remove(id);
    const entry: Entry<T> = { id, threshold: new Decimal(threshold), seq: this.seq++, value };
    const list = this.list(symbol, direction);
    list.splice(this.position(list, direction, entry), 0, entry);
    this.where.set(id, { symbol, direction, entry });
  }

  remove(id: string): T | undefined {
    const found = this.where.get(id);
    if (!found) return undefined;
    this.where.delete(id);
    const list = this.list(found.symbol, found.direction);
    // (threshold, seq) is unique, so the binary search lands on the entry itself.
    list.splice(this.position(list, found.direction, found.entry), 1);
    return found.entry.value;
  }

  /** Removes and returns, in firing order, every entry of `symbol` that `price` reaches. */
  fire(symbol: string, price: string | Decimal): T[] {
    const book = this.books.get(symbol);
    if (!book) return [];
    const p = new Decimal(price);
    const fired: T[] = [];
    for (const [direction, list] of [
      ["rise", book.rise],
      ["fall", book.fall],
    ] as const) {
      for (let last = list.at(-1); last && reaches(direction, p, last.threshold); last = list.at(-1)) {
        list.pop();
        this.where.delete(last.id);
        fired.push(last.value);
      }
    }
    return fired;
  }

  private list(symbol: string, direction: TriggerDirection): Entry<T>[] {
    let book = this.books.get(symbol);
    if (!book) {
      book = { rise: [], fall: [] };
      this.books.set(symbol, book);
    }
    return book[direction];
  }

  /**
   * Where `entry` belongs: `rise` lists run from the highest threshold down (the
   * lowest fires first, from the end), `fall` lists from the lowest up; within a
   * threshold, later entries sit further from the end.
   */
  private position(list: Entry<T>[], direction: TriggerDirection, entry: Entry<T>): number {
    let low = 0;
    let high = list.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const other = list[middle] as Entry<T>;
      if (firesAfter(direction, other, entry)) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

function reaches(direction: TriggerDirection, price: Decimal, threshold: Decimal): boolean {
  return direction === "rise" ? price.greaterThanOrEqualTo(threshold) : price.lessThanOrEqualTo(threshold);
}

/** Whether `price` reaches a trigger of this direction at `threshold` (what `fire` applies). */
export function triggerReached(direction: TriggerDirection, price: string, threshold: string): boolean {
  return reaches(direction, new Decimal(price), new Decimal(threshold));
}

/** Whether `a` fires after `b` (so sits nearer the start of the list). */
function firesAfter<T>(direction: TriggerDirection, a: Entry<T>, b: Entry<T>): boolean {
  const order = a.threshold.comparedTo(b.threshold);
  if (order !== 0) return direction === "rise" ? order > 0 : order < 0;
  return a.seq > b.seq;
}
