import { Decimal } from "@tradeboard/core";
import { and, asc, eq, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { type BalanceRow, balances, type LedgerEntryRow, ledgerEntries } from "../schema.ts";

export async function listBalances(db: Db, params: { userId: string }): Promise<BalanceRow[]> {
  return db.select().from(balances).where(eq(balances.userId, params.userId)).orderBy(asc(balances.asset));
}

export interface LedgerEntry {
  userId: string;
  asset: string;
  kind: LedgerEntryRow["kind"];
  availableDelta: string;
  heldDelta?: string;
  reference?: string;
}

/**
 * Applies one ledger entry and its balance change together. Call it inside a
 * transaction with the other writes of the same business event. The balance's
 * CHECK constraints refuse any change that would make it negative.
 */
export async function postLedgerEntry(db: Db, entry: LedgerEntry): Promise<void> {
  await postLedgerEntries(db, [entry]);
}

/**
 * Appends the entries in one statement and applies their sums per user and
 * asset to the balances, one statement per balance, in (user, asset) order so
 * that two transactions touching the same balances never wait on each other in
 * a cycle. The CHECK constraints see the net change of the batch: a release and
 * a payment of the same asset in one call are checked together, as the
 * committed state would be.
 */
export async function postLedgerEntries(db: Db, entries: readonly LedgerEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db.insert(ledgerEntries).values(entries.map((e) => ({ ...e, heldDelta: e.heldDelta ?? "0" })));
  const sums = new Map<string, { userId: string; asset: string; available: Decimal; held: Decimal }>();
  for (const e of entries) {
    const key = `${e.userId}\n${e.asset}`;
    const sum = sums.get(key) ?? { userId: e.userId, asset: e.asset, available: new Decimal(0), held: new Decimal(0) };
    sum.available = sum.available.plus(e.availableDelta);
    sum.held = sum.held.plus(e.heldDelta ?? "0");
    sums.set(key, sum);
  }
  for (const key of [...sums.keys()].sort()) {
    const sum = sums.get(key);
    if (sum) await applyToBalance(db, { ...sum, available: sum.available.toFixed(), held: sum.held.toFixed() });
  }
}

async function applyToBalance(
  db: Db,
  change: { userId: string; asset: string; available: string; held: string },
): Promise<void> {
  // UPDATE first: Postgres checks an INSERT's candidate row against the CHECK
  // constraints before it notices the conflict, so a negative delta must never
  // travel as an insert.
  const updated = await db
    .update(balances)
    .set({
      available: sql`${balances.available} + ${change.available}::numeric`,
      held: sql`${balances.held} + ${change.held}::numeric`,
      updatedAt: sql`now()`,
    })
    .where(and(eq(balances.userId, change.userId), eq(balances.asset, change.asset)))
    .returning({ asset: balances.asset });
  if (updated.length > 0) return;
  await db
    .insert(balances)
    .values({ userId: change.userId, asset: change.asset, available: change.available, held: change.held })
    .onConflictDoUpdate({
      target: [balances.userId, balances.asset],
      set: {
        available: sql`${balances.available} + ${change.available}::numeric`,
        held: sql`${balances.held} + ${change.held}::numeric`,
        updatedAt: sql`now()`,
      },
    });
}

/** Per asset, the sums of a user's ledger deltas: always equal to the balances. */
export async function sumLedger(db: Db, params: { userId: string }) {
  return db
    .select({
      asset: ledgerEntries.asset,
      available: sql<string>`sum(${ledgerEntries.availableDelta})`,
      held: sql<string>`sum(${ledgerEntries.heldDelta})`,
    })
    .from(ledgerEntries)
    .where(and(eq(ledgerEntries.userId, params.userId)))
    .groupBy(ledgerEntries.asset)
    .orderBy(asc(ledgerEntries.asset));
}

/** A user's ledger, oldest first: what the equity history is replayed from. */
export async function listLedger(db: Db, params: { userId: string }): Promise<LedgerEntryRow[]> {
  return db.select().from(ledgerEntries).where(eq(ledgerEntries.userId, params.userId)).orderBy(asc(ledgerEntries.id));
}
