import { and, asc, eq, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { type BalanceRow, balances, type LedgerEntryRow, ledgerEntries } from "../schema.ts";

export async function listBalances(db: Db, params: { userId: string }): Promise<BalanceRow[]> {
  return db.select().from(balances).where(eq(balances.userId, params.userId)).orderBy(asc(balances.asset));
}

/**
 * Applies one ledger entry and its balance change together. Call it inside a
 * transaction with the other writes of the same business event. The balance's
 * CHECK constraints refuse any change that would make it negative.
 */
export async function postLedgerEntry(
  db: Db,
  entry: {
    userId: string;
    asset: string;
    kind: LedgerEntryRow["kind"];
    availableDelta: string;
    heldDelta?: string;
    reference?: string;
  },
): Promise<void> {
  const heldDelta = entry.heldDelta ?? "0";
  await db.insert(ledgerEntries).values({ ...entry, heldDelta });
  // UPDATE first: Postgres checks an INSERT's candidate row against the CHECK
  // constraints before it notices the conflict, so a negative delta must never
  // travel as an insert.
  const updated = await db
    .update(balances)
    .set({
      available: sql`${balances.available} + ${entry.availableDelta}::numeric`,
      held: sql`${balances.held} + ${heldDelta}::numeric`,
      updatedAt: sql`now()`,
    })
    .where(and(eq(balances.userId, entry.userId), eq(balances.asset, entry.asset)))
    .returning({ asset: balances.asset });
  if (updated.length > 0) return;
  await db
    .insert(balances)
    .values({ userId: entry.userId, asset: entry.asset, available: entry.availableDelta, held: heldDelta })
    .onConflictDoUpdate({
      target: [balances.userId, balances.asset],
      set: {
        available: sql`${balances.available} + ${entry.availableDelta}::numeric`,
        held: sql`${balances.held} + ${heldDelta}::numeric`,
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
