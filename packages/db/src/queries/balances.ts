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
 * Appends the entries and applies their sums per user and asset to the
 * balances, in one statement (one round trip, and the balance rows stay locked
 * no longer than that statement and the commit). The balances change only by
 * what the ledger rows this statement inserted say. The rows are locked in
 * (user, asset) order, so two statements touching the same balances never wait
 * on each other in a cycle. The CHECK constraints see the net change of the
 * batch: a release and a payment of the same asset in one call are checked
 * together, as the committed state would be.
 */
export async function postLedgerEntries(db: Db, entries: readonly LedgerEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const rows = sql.join(
    entries.map(
      (e) =>
        sql`(${e.userId}::uuid, ${e.asset}, ${e.kind}, ${e.availableDelta}::numeric, ${e.heldDelta ?? "0"}::numeric, ${e.reference ?? null})`,
    ),
    sql`, `,
  );
  // UPDATE first and INSERT only for a balance that does not exist yet: Postgres
  // checks an INSERT's candidate row against the CHECK constraints before it
  // notices the conflict, so a negative delta on an existing balance must never
  // travel as an insert (on a missing one it is refused, as it should be).
  await db.execute(sql`
    with entries as (
      insert into ledger_entries (user_id, asset, kind, available_delta, held_delta, reference)
      values ${rows}
      returning user_id, asset, available_delta, held_delta
    ), deltas as (
      select user_id, asset, sum(available_delta) as available, sum(held_delta) as held
      from entries group by user_id, asset
    ), locked as (
      select b.user_id, b.asset from balances b
      join deltas d on d.user_id = b.user_id and d.asset = b.asset
      order by b.user_id, b.asset
      for update of b
    ), updated as (
      update balances b
      set available = b.available + d.available, held = b.held + d.held, updated_at = now()
      from locked l join deltas d on d.user_id = l.user_id and d.asset = l.asset
      where b.user_id = l.user_id and b.asset = l.asset
      returning b.user_id, b.asset
    )
    insert into balances (user_id, asset, available, held)
    select d.user_id, d.asset, d.available, d.held from deltas d
    where not exists (select 1 from updated u where u.user_id = d.user_id and u.asset = d.asset)
    order by d.user_id, d.asset
    on conflict (user_id, asset) do update set
      available = balances.available + excluded.available,
      held = balances.held + excluded.held,
      updated_at = now()
  `);
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
