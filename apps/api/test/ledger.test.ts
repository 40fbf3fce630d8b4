import { Decimal } from "@tradeboard/core";
import { type Database, listBalances, sumLedger } from "@tradeboard/db";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signedInUser } from "./helpers/app.ts";
import { openTestDatabase, testDrivers } from "./helpers/database.ts";

/**
 * The database's own guards on money, whatever the api does: SQL written
 * directly, as a faulty migration, script or query would write it.
 */
describe.each(testDrivers)("the ledger and balances in the database on %s", (driver) => {
  let database: Database;

  beforeAll(async () => {
    database = await openTestDatabase(driver);
  });
  afterAll(async () => {
    await database?.close();
  });

  /** The SQLSTATE and message of the driver's error (drizzle wraps it as the `cause`). */
  async function refusal(statement: Promise<unknown>): Promise<{ code: string; message: string }> {
    const error = await statement.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error, "the statement was accepted").not.toBeNull();
    for (let e: unknown = error; e && typeof e === "object"; e = (e as { cause?: unknown }).cause) {
      const { code, message } = e as { code?: unknown; message?: unknown };
      if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return { code, message: String(message) };
    }
    throw new Error(`no SQLSTATE on ${String(error)}`);
  }

  async function expectUntouched(userId: string, usd: string) {
    const [balance] = await listBalances(database.db, { userId });
    expect(new Decimal(balance?.available ?? "-1").equals(usd)).toBe(true);
    expect(new Decimal(balance?.held ?? "-1").isZero()).toBe(true);
    const [sum] = await sumLedger(database.db, { userId });
    expect(new Decimal(sum?.available ?? "-1").equals(usd)).toBe(true);
  }

  it("refuses to update or delete a ledger entry: the append-only trigger's own error", async () => {
    const { id } = await signedInUser(database, "ledger", { usd: "100000" });
    // A plpgsql RAISE EXCEPTION without a code is SQLSTATE P0001 (raise_exception).
    await expect(
      refusal(database.db.execute(sql`update ledger_entries set available_delta = 1 where user_id = ${id}`)),
    ).resolves.toEqual({ code: "P0001", message: "ledger_entries is append-only (UPDATE refused)" });
    await expect(refusal(database.db.execute(sql`delete from ledger_entries where user_id = ${id}`))).resolves.toEqual({
      code: "P0001",
      message: "ledger_entries is append-only (DELETE refused)",
    });
    await expectUntouched(id, "100000");
  });

  it("refuses a balance below zero written directly, available or held", async () => {
    const { id } = await signedInUser(database, "overdraft", { usd: "100000" });
    // 100000 − 100000.000000000000000001: one unit of the column's last digit below zero.
    const overdraft = await refusal(
      database.db.execute(
        sql`update balances set available = available - 100000.000000000000000001 where user_id = ${id} and asset = 'USD'`,
      ),
    );
    expect(overdraft.code).toBe("23514"); // check_violation
    expect(overdraft.message).toContain('"balances_available_nonnegative"');
    const held = await refusal(
      database.db.execute(sql`update balances set held = held - 1 where user_id = ${id} and asset = 'USD'`),
    );
    expect(held.code).toBe("23514");
    expect(held.message).toContain('"balances_held_nonnegative"');
    const inserted = await refusal(
      database.db.execute(sql`insert into balances (user_id, asset, available) values (${id}, 'BTC', -0.5)`),
    );
    expect(inserted.code).toBe("23514");
    expect(inserted.message).toContain('"balances_available_nonnegative"');
    // To the last unit is allowed: the guard is "below zero", not "zero".
    await database.db.execute(
      sql`update balances set available = available - 100000 where user_id = ${id} and asset = 'USD'`,
    );
    const [balance] = await listBalances(database.db, { userId: id });
    expect(new Decimal(balance?.available ?? "-1").isZero()).toBe(true);
  });

  it("refuses an overdraft even as a ledger entry posted with its balance in one transaction", async () => {
    const { id } = await signedInUser(database, "overdraft-tx", { usd: "250" });
    const error = await refusal(
      database.db.transaction(async (tx) => {
        await tx.execute(
          sql`insert into ledger_entries (user_id, asset, kind, available_delta) values (${id}, 'USD', 'fill', -250.01)`,
        );
        await tx.execute(
          sql`update balances set available = available - 250.01 where user_id = ${id} and asset = 'USD'`,
        );
      }),
    );
    expect(error.code).toBe("23514");
    // The whole transaction is undone: no entry and no balance change.
    await expectUntouched(id, "250");
  });
});
