import { Decimal } from "@tradeboard/core";
import { type Db, listBalances, sumLedger } from "@tradeboard/db";
import { expect } from "vitest";

/** A user's balances per asset, as exact decimal strings. */
export async function balancesOf(db: Db, userId: string) {
  const rows = await listBalances(db, { userId });
  return Object.fromEntries(
    rows.map((b) => [b.asset, { available: new Decimal(b.available).toFixed(), held: new Decimal(b.held).toFixed() }]),
  );
}

/** Every balance of the user equals the sum of its ledger entries, and none is negative. */
export async function expectLedgerMatches(db: Db, userId: string): Promise<void> {
  const sums = await sumLedger(db, { userId });
  for (const row of await listBalances(db, { userId })) {
    const sum = sums.find((s) => s.asset === row.asset);
    expect(new Decimal(sum?.available ?? 0).equals(row.available)).toBe(true);
    expect(new Decimal(sum?.held ?? 0).equals(row.held)).toBe(true);
    expect(new Decimal(row.available).greaterThanOrEqualTo(0)).toBe(true);
  }
}
