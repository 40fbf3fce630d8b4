import type { BatchKeys, LockedRows } from "@tradeboard/db";

type Position = LockedRows["positions"][number];

/**
 * What the market-order batcher last wrote to (or read from) the balance and
 * position rows of the accounts it served: its guess of what they hold now,
 * so that the next batch of those accounts can be decided at once and written
 * in one checked statement (`groupCommit`'s `expected`). A guess only: any
 * other writer (a limit order's hold, a trigger's fill, a deposit, another
 * api instance) makes it wrong, and the database then refuses the checked
 * write and the batch runs locked, which corrects it. A batch records the
 * rows as they will be once it commits, when it is decided (the batcher
 * sends the next batch of an account only after this one has committed);
 * if it fails, its rows are forgotten. The oldest rows go beyond `limit`.
 */
export class KnownRows {
  /** null: the row does not exist. */
  private readonly balances = new Map<string, string | null>();
  private readonly positions = new Map<string, Position | null>();
  /** clientOrderIds of orders the batches placed (or found): a batch that repeats one runs locked. */
  private readonly taken = new Map<string, true>();

  constructor(private readonly limit = 100_000) {}

  /**
   * The rows of `keys` as the lock statement would answer them, or undefined
   * when one of them is not known, or when the batch repeats a clientOrderId
   * of an earlier batch: that one may still be committing, and only the
   * locked way (which waits for it) sees its order and answers the repeat
   * as the same order.
   */
  expected(keys: BatchKeys): LockedRows | undefined {
    for (const { userId, clientOrderId } of keys.clientOrderIds)
      if (this.taken.has(`${userId}\n${clientOrderId}`)) return undefined;
    const locked: LockedRows = { balances: [], positions: [], taken: [] };
    for (const { userId, asset } of keys.balances) {
      const available = this.balances.get(`${userId}\n${asset}`);
      if (available === undefined) return undefined;
      if (available !== null) locked.balances.push({ userId, asset, available });
    }
    for (const { userId, symbol } of keys.positions) {
      const position = this.positions.get(`${userId}\n${symbol}`);
      if (position === undefined) return undefined;
      if (position !== null) locked.positions.push(position);
    }
    return locked;
  }

  /**
   * Records the rows of `keys` as `rows` holds them (a key `rows` does not
   * list is a row that does not exist), and the clientOrderIds it lists as taken.
   */
  remember(keys: BatchKeys, rows: LockedRows): void {
    for (const { userId, clientOrderId } of rows.taken)
      set(this.taken, `${userId}\n${clientOrderId}`, true, this.limit);
    const balances = new Map(rows.balances.map((b) => [`${b.userId}\n${b.asset}`, b.available]));
    const positions = new Map(rows.positions.map((p) => [`${p.userId}\n${p.symbol}`, p]));
    for (const { userId, asset } of keys.balances) {
      const key = `${userId}\n${asset}`;
      set(this.balances, key, balances.get(key) ?? null, this.limit);
    }
    for (const { userId, symbol } of keys.positions) {
      const key = `${userId}\n${symbol}`;
      set(this.positions, key, positions.get(key) ?? null, this.limit);
    }
  }

  forget(keys: BatchKeys): void {
    for (const { userId, asset } of keys.balances) this.balances.delete(`${userId}\n${asset}`);
    for (const { userId, symbol } of keys.positions) this.positions.delete(`${userId}\n${symbol}`);
  }
}

/** Sets a key as the newest (a Map iterates in insertion order) and drops the oldest beyond `limit`. */
function set<V>(map: Map<string, V>, key: string, value: V, limit: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > limit) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
}
