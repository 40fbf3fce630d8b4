import { BATCH_STATEMENTS, type Database, executedRows } from "@tradeboard/db";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, testDrivers } from "./helpers/database.ts";

const ACCOUNTS = 3000;

/**
 * A group commit touches a handful of rows. Its statements are prepared once
 * and run with the plan made for any batch, so a plan that reads a table whole
 * (a sequential scan, hashed against the batch's rows) makes every batch cost
 * as much as the table is large: at 10,000 accounts a batch of one order took
 * three times as long as at 1,000. Every row must be reached by its key.
 */
describe.each(testDrivers)("the group commit's statements on %s", (driver) => {
  let database: Database;

  beforeAll(async () => {
    database = await openTestDatabase(driver);
    await database.db.execute(
      sql.raw(`insert into users (id, email, name)
        select ('00000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid, 'plan-' || i || '@example.com', 'Plan'
        from generate_series(1, ${ACCOUNTS}) i`),
    );
    await database.db.execute(
      sql.raw(`insert into balances (user_id, asset, available, held)
        select u.id, a.asset, 1000, 0 from users u cross join (values ('USD'), ('BTC')) as a(asset)`),
    );
    await database.db.execute(
      sql.raw(`insert into positions (user_id, symbol, quantity, cost, realized_pnl, fees_paid)
        select id, 'BTC-USD', 1, 100, 0, 0 from users`),
    );
    await database.db.execute(
      sql.raw(`insert into orders (user_id, client_order_id, request_hash, symbol, side, type, status, time_in_force,
          quantity, filled_quantity)
        select u.id, case when k = 1 then 'bot-' || k end, md5(u.id::text || k), 'BTC-USD', 'buy', 'market', 'filled',
          'gtc', 1, 1
        from users u cross join generate_series(1, 2) k`),
    );
    await database.db.execute(sql.raw("analyze"));
  });
  afterAll(async () => {
    await database?.close();
  });

  it.each(Object.keys(BATCH_STATEMENTS))("%s reads no table whole", async (name) => {
    const text = BATCH_STATEMENTS[name as keyof typeof BATCH_STATEMENTS];
    const plan = await database.db.transaction(async (tx) => {
      await tx.execute(sql.raw(`prepare tb_plan_${name}(text) as ${text}`));
      await tx.execute(sql.raw("set local plan_cache_mode = force_generic_plan"));
      const rows = executedRows<{ "QUERY PLAN": string }>(
        await tx.execute(sql.raw(`explain execute tb_plan_${name}('{}')`)),
      );
      await tx.execute(sql.raw(`deallocate tb_plan_${name}`));
      return rows.map((row) => row["QUERY PLAN"]).join("\n");
    });
    // The plan is the one every batch runs with; it must not scan the tables a batch reads or writes.
    expect(plan).toMatch(/Index/);
    expect(plan.match(/Seq Scan on (users|balances|positions|orders)\b.*/g) ?? []).toEqual([]);
  });
});
