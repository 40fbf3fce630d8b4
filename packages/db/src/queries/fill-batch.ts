import { asc, getTableColumns, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import {
  type BalanceRow,
  balances,
  type FillRow,
  fills,
  ledgerEntries,
  type OrderRow,
  orders,
  type PositionRow,
  positions,
} from "../schema.ts";
import type { LedgerEntry } from "./balances.ts";
import type { NewOrder } from "./orders.ts";

/**
 * The statements of a group commit: each writes or locks the rows of many
 * orders at once, so a batch costs one round trip per statement kind whatever
 * its size. Call them inside one transaction.
 */

const pairs = (keys: readonly { userId: string; key: string }[]) =>
  sql.join(
    keys.map((k) => sql`(${k.userId}::uuid, ${k.key})`),
    sql`, `,
  );

/**
 * Locks the balance rows of these (user, asset) pairs, in (user, asset) order
 * so that two transactions never wait on each other in a cycle. Pairs without
 * a row yet are simply absent.
 */
export async function lockBalances(db: Db, keys: readonly { userId: string; asset: string }[]): Promise<BalanceRow[]> {
  if (keys.length === 0) return [];
  return db
    .select()
    .from(balances)
    .where(
      sql`(${balances.userId}, ${balances.asset}) in (${pairs(keys.map((k) => ({ userId: k.userId, key: k.asset })))})`,
    )
    .orderBy(asc(balances.userId), asc(balances.asset))
    .for("update");
}

/** Locks the position rows of these (user, market) pairs, in (user, market) order. */
export async function lockPositions(
  db: Db,
  keys: readonly { userId: string; symbol: string }[],
): Promise<PositionRow[]> {
  if (keys.length === 0) return [];
  return db
    .select()
    .from(positions)
    .where(
      sql`(${positions.userId}, ${positions.symbol}) in (${pairs(keys.map((k) => ({ userId: k.userId, key: k.symbol })))})`,
    )
    .orderBy(asc(positions.userId), asc(positions.symbol))
    .for("update");
}

/** Which of these (user, clientOrderId) pairs already name an order. */
export async function takenClientOrderIds(
  db: Db,
  keys: readonly { userId: string; clientOrderId: string }[],
): Promise<{ userId: string; clientOrderId: string }[]> {
  if (keys.length === 0) return [];
  const rows = await db
    .select({ userId: orders.userId, clientOrderId: orders.clientOrderId })
    .from(orders)
    .where(
      sql`(${orders.userId}, ${orders.clientOrderId}) in (${pairs(keys.map((k) => ({ userId: k.userId, key: k.clientOrderId })))})`,
    );
  return rows.flatMap((r) => (r.clientOrderId ? [{ userId: r.userId, clientOrderId: r.clientOrderId }] : []));
}

/**
 * Inserts the orders in one statement, skipping any whose clientOrderId is
 * taken; created a microsecond apart in the given order, so a user's history
 * lists them as they arrived. Each returned row carries its position in `rows`
 * (its ordinal), read back from that microsecond: the database makes the ids.
 */
export async function insertOrders(db: Db, rows: readonly NewOrder[]): Promise<(OrderRow & { ordinal: number })[]> {
  if (rows.length === 0) return [];
  return db
    .insert(orders)
    .values(
      rows.map((row, i) => ({ ...row, createdAt: sql`now() + ${i} * interval '1 microsecond'` as unknown as Date })),
    )
    .onConflictDoNothing({ target: [orders.userId, orders.clientOrderId] })
    .returning({
      ...getTableColumns(orders),
      ordinal: sql<number>`round(extract(epoch from (${orders.createdAt} - now())) * 1000000)::int`.mapWith(Number),
    });
}

export async function insertFills(db: Db, rows: readonly (typeof fills.$inferInsert)[]): Promise<FillRow[]> {
  if (rows.length === 0) return [];
  return db
    .insert(fills)
    .values(
      rows.map((row, i) => ({ ...row, createdAt: sql`now() + ${i} * interval '1 microsecond'` as unknown as Date })),
    )
    .returning();
}

/** Appends ledger entries in one statement; the caller applies their sums to the balances in the same transaction. */
export async function appendLedger(db: Db, entries: readonly LedgerEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db.insert(ledgerEntries).values(entries.map((e) => ({ ...e, heldDelta: e.heldDelta ?? "0" })));
}

/**
 * Adds these deltas to balances in two statements: an UPDATE for the rows that
 * exist (locked by the caller) and an additive upsert for the rows that did not
 * (their deltas are never negative: nothing can be spent from a balance that
 * is not there). The CHECK constraints still refuse any negative result.
 */
export async function addToBalances(
  db: Db,
  changes: readonly { userId: string; asset: string; available: string; held: string; exists: boolean }[],
): Promise<void> {
  const existing = changes.filter((c) => c.exists);
  if (existing.length > 0) {
    const values = sql.join(
      existing.map((c) => sql`(${c.userId}::uuid, ${c.asset}, ${c.available}::numeric, ${c.held}::numeric)`),
      sql`, `,
    );
    await db.execute(sql`update ${balances} b
      set available = b.available + v.available, held = b.held + v.held, updated_at = now()
      from (values ${values}) as v(user_id, asset, available, held)
      where b.user_id = v.user_id and b.asset = v.asset`);
  }
  const fresh = changes.filter((c) => !c.exists);
  if (fresh.length > 0) {
    await db
      .insert(balances)
      .values(fresh.map((c) => ({ userId: c.userId, asset: c.asset, available: c.available, held: c.held })))
      .onConflictDoUpdate({
        target: [balances.userId, balances.asset],
        set: {
          available: sql`${balances.available} + excluded.available`,
          held: sql`${balances.held} + excluded.held`,
          updatedAt: sql`now()`,
        },
      });
  }
}

/**
 * Writes positions computed by the caller: rows that existed (locked) get
 * their new values; rows that did not are inserted, or added to one that
 * another transaction inserted meanwhile (their values count from zero).
 */
export async function writePositions(
  db: Db,
  rows: readonly {
    userId: string;
    symbol: string;
    quantity: string;
    cost: string;
    realizedPnl: string;
    feesPaid: string;
    exists: boolean;
  }[],
): Promise<void> {
  const existing = rows.filter((r) => r.exists);
  if (existing.length > 0) {
    const values = sql.join(
      existing.map(
        (r) =>
          sql`(${r.userId}::uuid, ${r.symbol}, ${r.quantity}::numeric, ${r.cost}::numeric, ${r.realizedPnl}::numeric, ${r.feesPaid}::numeric)`,
      ),
      sql`, `,
    );
    await db.execute(sql`update ${positions} p
      set quantity = v.quantity, cost = v.cost, realized_pnl = v.realized_pnl, fees_paid = v.fees_paid
      from (values ${values}) as v(user_id, symbol, quantity, cost, realized_pnl, fees_paid)
      where p.user_id = v.user_id and p.symbol = v.symbol`);
  }
  const fresh = rows.filter((r) => !r.exists);
  if (fresh.length > 0) {
    await db
      .insert(positions)
      .values(fresh.map(({ exists: _, ...r }) => r))
      .onConflictDoUpdate({
        target: [positions.userId, positions.symbol],
        set: {
          quantity: sql`${positions.quantity} + excluded.quantity`,
          cost: sql`${positions.cost} + excluded.cost`,
          realizedPnl: sql`${positions.realizedPnl} + excluded.realized_pnl`,
          feesPaid: sql`${positions.feesPaid} + excluded.fees_paid`,
        },
      });
  }
}
