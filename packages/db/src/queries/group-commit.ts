import type { PGlite, Transaction as PGliteTransaction } from "@electric-sql/pglite";
import type postgres from "postgres";
import type { Db } from "../client.ts";
import { isRetryableConflict, isUniqueViolation } from "../errors.ts";
import type { LedgerEntry } from "./balances.ts";

/**
 * The database side of a group commit: many orders executed as one
 * transaction, each statement with a fixed text (prepared once per
 * connection) and one JSON parameter that carries every row of the batch,
 * whatever its size. Two ways to run a batch:
 * - locked: the rows are locked and read (sent with BEGIN), the batch is
 *   decided against them, and the writes are sent with COMMIT: two round trips
 *   on Postgres, four calls into PGlite;
 * - checked: when the caller knows what the rows hold (it wrote them last),
 *   the batch is decided against that, and one statement, its own
 *   transaction, locks the rows, checks that they still hold exactly that and
 *   writes only if they do: one round trip, one call. When they no longer
 *   hold it (another writer changed them) the statement writes nothing and
 *   the batch runs locked.
 * Drizzle's query builder is bypassed here on purpose: building and binding
 * one statement per kind per batch cost more CPU than the database spent on them.
 */

/** The rows a batch reads and locks before it decides anything. */
export interface BatchKeys {
  balances: readonly { userId: string; asset: string }[];
  positions: readonly { userId: string; symbol: string }[];
  clientOrderIds: readonly { userId: string; clientOrderId: string }[];
}

/** What the lock statement returns: the locked balances and positions, and the clientOrderIds already taken. */
export interface LockedRows {
  balances: { userId: string; asset: string; available: string }[];
  positions: {
    userId: string;
    symbol: string;
    quantity: string;
    cost: string;
    realizedPnl: string;
    feesPaid: string;
  }[];
  taken: { userId: string; clientOrderId: string }[];
}

/** An order of the batch, filled at once (its id is made by the caller). */
export interface BatchOrder {
  id: string;
  userId: string;
  clientOrderId: string | null;
  requestHash: string;
  symbol: string;
  side: "buy" | "sell";
  type: string;
  status: string;
  timeInForce: string;
  quantity: string;
  filledQuantity: string;
}

export interface BatchFill {
  id: string;
  orderId: string;
  userId: string;
  symbol: string;
  side: "buy" | "sell";
  price: string;
  quantity: string;
  fee: string;
}

type PositionValues = {
  userId: string;
  symbol: string;
  quantity: string;
  cost: string;
  realizedPnl: string;
  feesPaid: string;
};

/**
 * The writes of a batch. Orders and fills are created a microsecond apart in
 * the given order (so a history lists them as they arrived). Balances and
 * positions the batch locked get their new values (`available`; a position's
 * values); rows that did not exist are inserted, or added to (by `delta`,
 * never negative for a balance) where another transaction inserted them
 * meanwhile. The CHECK constraints still refuse any negative result.
 */
export interface BatchWrites {
  orders: readonly BatchOrder[];
  fills: readonly BatchFill[];
  ledger: readonly LedgerEntry[];
  balances: readonly { userId: string; asset: string; delta: string; available: string; exists: boolean }[];
  positions: readonly (PositionValues & { exists: boolean })[];
}

export interface GroupCommitOptions {
  /** Runs after the writes, before the commit (tests make the database abort batches here); slower: one more round trip. */
  beforeCommit?(attempt: number): Promise<void>;
  /** How many times in all a batch runs when the database aborts it (deadlock, serialization, a clientOrderId taken meanwhile). */
  attempts?: number;
  /**
   * What the caller believes the rows of `keys` hold now, as the lock
   * statement would return them (a key not listed is a row that does not
   * exist; no clientOrderId taken). When given, the batch is first run
   * checked (see the top of this file).
   */
  expected?: LockedRows;
}

/** How a committed batch ran: `checked` in one statement against what the caller expected, or `locked`. */
export type BatchPath = "checked" | "locked";

// The accounts of a batch, locked first and in id order by every batch, checked or locked: a batch waits here
// for any other batch of its accounts to commit, before its lock statement takes its snapshot, so it sees
// the rows the other created (a row that does not exist yet cannot be locked, and a statement does not see
// rows committed after it began). FOR NO KEY UPDATE: an insert referencing the user (KEY SHARE) still passes.
const USERS_SQL = `select u.id
from (select x.u from jsonb_to_recordset((($1::text)::jsonb) -> 'us') as x(u uuid) order by x.u) x
cross join lateral (select u.id from users u where u.id = x.u for no key update) u`;

const LOCK_SQL = `with k as (select ($1::text)::jsonb as j),
bal as materialized (
  select b.user_id, b.asset, b.available
  from (select x.u, x.a from k, jsonb_to_recordset(k.j -> 'b') as x(u uuid, a text) order by x.u, x.a) x
  cross join lateral (
    select b.user_id, b.asset, b.available from balances b where b.user_id = x.u and b.asset = x.a for update
  ) b
),
pos as materialized (
  select p.user_id, p.symbol, p.quantity, p.cost, p.realized_pnl, p.fees_paid
  from (select x.u, x.s from k, jsonb_to_recordset(k.j -> 'p') as x(u uuid, s text) order by x.u, x.s) x
  cross join lateral (
    select p.user_id, p.symbol, p.quantity, p.cost, p.realized_pnl, p.fees_paid from positions p
    where p.user_id = x.u and p.symbol = x.s for update
  ) p
),
taken as (
  select o.user_id, o.client_order_id
  from (select x.u, x.c from k, jsonb_to_recordset(k.j -> 'c') as x(u uuid, c text)) x
  cross join lateral (
    select o.user_id, o.client_order_id from orders o where o.user_id = x.u and o.client_order_id = x.c limit 1
  ) o
)
select 'b' as k, user_id::text as u, asset as key, available::text as v1, null::text as v2, null::text as v3, null::text as v4 from bal
union all
select 'p', user_id::text, symbol, quantity::text, cost::text, realized_pnl::text, fees_paid::text from pos
union all
select 't', user_id::text, client_order_id, null, null, null, null from taken`;

// Data-modifying CTEs all run, to completion, in one statement; the fills' foreign keys are checked at
// its end, when the orders of the same statement are there. `guard` is the condition every write waits on:
// true, or the check of the checked statement. Every row is reached through its key, whatever the tables
// hold: the plan is made once for batches of any size, and a join against the batch's rows planned for it
// reads the whole table (so a batch would cost as much as there are accounts). Locked rows are therefore
// written with an insert that meets them on their primary key (never inserting: they exist, and are
// locked), and lookups are lateral, one probe of the key each.
const writeCtes = (guard: string) => `o as (
  insert into orders (id, user_id, client_order_id, request_hash, symbol, side, type, status, time_in_force,
    quantity, filled_quantity, created_at, updated_at)
  select x.id, x.u, x.c, x.h, x.s, x.side, x.type, x.status, x.tif, x.q, x.fq,
    now() + x.n * interval '1 microsecond', now()
  from w, jsonb_to_recordset(w.j -> 'o') as x(id uuid, u uuid, c text, h text, s text, side text,
    type text, status text, tif text, q numeric, fq numeric, n bigint)
  where ${guard}
  order by x.n
),
f as (
  insert into fills (id, order_id, user_id, symbol, side, price, quantity, fee, created_at)
  select x.id, x.o, x.u, x.s, x.side, x.p, x.q, x.fee, now() + x.n * interval '1 microsecond'
  from w, jsonb_to_recordset(w.j -> 'f') as x(id uuid, o uuid, u uuid, s text, side text,
    p numeric, q numeric, fee numeric, n bigint)
  where ${guard}
  order by x.n
),
l as (
  insert into ledger_entries (user_id, asset, kind, available_delta, held_delta, reference)
  select x.u, x.a, x.kind, x.d, 0, x.r
  from w, jsonb_to_recordset(w.j -> 'l') as x(u uuid, a text, kind text, d numeric, r text, n bigint)
  where ${guard}
  order by x.n
),
bu as (
  insert into balances (user_id, asset, available, held)
  select x.u, x.a, x.v, 0 from w, jsonb_to_recordset(w.j -> 'bu') as x(u uuid, a text, v numeric)
  where ${guard}
  on conflict (user_id, asset) do update set available = excluded.available, updated_at = now()
),
bi as (
  insert into balances (user_id, asset, available, held)
  select x.u, x.a, x.d, 0 from w, jsonb_to_recordset(w.j -> 'bi') as x(u uuid, a text, d numeric)
  where ${guard}
  on conflict (user_id, asset) do update set available = balances.available + excluded.available, updated_at = now()
),
pu as (
  insert into positions (user_id, symbol, quantity, cost, realized_pnl, fees_paid)
  select x.u, x.s, x.q, x.c, x.r, x.f
  from w, jsonb_to_recordset(w.j -> 'pu') as x(u uuid, s text, q numeric, c numeric, r numeric, f numeric)
  where ${guard}
  on conflict (user_id, symbol) do update set quantity = excluded.quantity, cost = excluded.cost,
    realized_pnl = excluded.realized_pnl, fees_paid = excluded.fees_paid
),
pi as (
  insert into positions (user_id, symbol, quantity, cost, realized_pnl, fees_paid)
  select x.u, x.s, x.q, x.c, x.r, x.f
  from w, jsonb_to_recordset(w.j -> 'pi') as x(u uuid, s text, q numeric, c numeric, r numeric, f numeric)
  where ${guard}
  on conflict (user_id, symbol) do update set quantity = positions.quantity + excluded.quantity,
    cost = positions.cost + excluded.cost, realized_pnl = positions.realized_pnl + excluded.realized_pnl,
    fees_paid = positions.fees_paid + excluded.fees_paid
)`;

const NOW_MICROS = "(extract(epoch from now()) * 1000000)::bigint::text";

const WRITE_SQL = `with w as (select ($1::text)::jsonb as j),
${writeCtes("true")}
select ${NOW_MICROS} as now`;

// The checked statement: the accounts are locked as USERS_SQL does, then the rows the batch was decided against
// in the lock statement's order (balances by (user, asset), then positions by (user, market)) and compared with what the caller expected
// ('eb', 'ep'); rows expected missing ('ab', 'ap') must still be missing and the batch's clientOrderIds
// ('c') free. Only then does any write happen. Rows that do not exist cannot be locked: as in the locked
// way, a row another transaction inserts meanwhile is added to, never overwritten.
const CHECKED_SQL = `with w as (select ($1::text)::jsonb as j),
us as materialized (
  select u.id
  from (select x.u from w, jsonb_to_recordset(w.j -> 'us') as x(u uuid) order by x.u) x
  cross join lateral (select u.id from users u where u.id = x.u for no key update) u
),
eb as materialized (
  select coalesce(b.available = x.v, false) as same
  from (select x.u, x.a, x.v from w, jsonb_to_recordset(w.j -> 'eb') as x(u uuid, a text, v numeric) order by x.u, x.a) x
  left join lateral (
    select b.available from balances b where b.user_id = x.u and b.asset = x.a for update
  ) b on true
),
ep as materialized (
  select coalesce(p.quantity = x.q and p.cost = x.c and p.realized_pnl = x.r and p.fees_paid = x.f, false) as same
  from (
    select x.u, x.s, x.q, x.c, x.r, x.f
    from w, jsonb_to_recordset(w.j -> 'ep') as x(u uuid, s text, q numeric, c numeric, r numeric, f numeric)
    order by x.u, x.s
  ) x
  left join lateral (
    select p.quantity, p.cost, p.realized_pnl, p.fees_paid from positions p
    where p.user_id = x.u and p.symbol = x.s for update
  ) p on true
),
ok as materialized (
  select (select count(*) from us) = (select jsonb_array_length(j -> 'us') from w)
    and coalesce((select bool_and(same) from eb), true)
    and coalesce((select bool_and(same) from ep), true)
    and not exists (
      select from w, jsonb_to_recordset(w.j -> 'ab') as x(u uuid, a text)
      cross join lateral (select from balances b where b.user_id = x.u and b.asset = x.a limit 1) b
    )
    and not exists (
      select from w, jsonb_to_recordset(w.j -> 'ap') as x(u uuid, s text)
      cross join lateral (select from positions p where p.user_id = x.u and p.symbol = x.s limit 1) p
    )
    and not exists (
      select from w, jsonb_to_recordset(w.j -> 'c') as x(u uuid, c text)
      cross join lateral (select from orders o where o.user_id = x.u and o.client_order_id = x.c limit 1) o
    ) as ok
),
${writeCtes("(select ok from ok)")}
select (select ok from ok)::text as ok, ${NOW_MICROS} as now`;

/** The statements of a group commit, by the step that sends them (exported for the test of their plans). */
export const BATCH_STATEMENTS = { users: USERS_SQL, lock: LOCK_SQL, write: WRITE_SQL, checked: CHECKED_SQL } as const;

type Row = Record<string, string | null>;

/** The batch's accounts, once each. */
const usersOf = (keys: BatchKeys) => [...new Set(keys.balances.map((k) => k.userId))].map((u) => ({ u }));

function keysJson(keys: BatchKeys): string {
  return JSON.stringify({
    us: usersOf(keys),
    b: keys.balances.map((k) => ({ u: k.userId, a: k.asset })),
    p: keys.positions.map((k) => ({ u: k.userId, s: k.symbol })),
    c: keys.clientOrderIds.map((k) => ({ u: k.userId, c: k.clientOrderId })),
  });
}

function writesObject(writes: BatchWrites) {
  return {
    o: writes.orders.map((o, n) => ({
      n,
      id: o.id,
      u: o.userId,
      c: o.clientOrderId,
      h: o.requestHash,
      s: o.symbol,
      side: o.side,
      type: o.type,
      status: o.status,
      tif: o.timeInForce,
      q: o.quantity,
      fq: o.filledQuantity,
    })),
    f: writes.fills.map((f, n) => ({
      n,
      id: f.id,
      o: f.orderId,
      u: f.userId,
      s: f.symbol,
      side: f.side,
      p: f.price,
      q: f.quantity,
      fee: f.fee,
    })),
    l: writes.ledger.map((e, n) => {
      if (e.heldDelta !== undefined && e.heldDelta !== "0") throw new Error("a batch moves no held amounts");
      return { n, u: e.userId, a: e.asset, kind: e.kind, d: e.availableDelta, r: e.reference ?? null };
    }),
    bu: writes.balances.filter((b) => b.exists).map((b) => ({ u: b.userId, a: b.asset, v: b.available })),
    bi: writes.balances.filter((b) => !b.exists).map((b) => ({ u: b.userId, a: b.asset, d: b.delta })),
    pu: writes.positions.filter((p) => p.exists).map(positionJson),
    pi: writes.positions.filter((p) => !p.exists).map(positionJson),
  };
}

const writesJson = (writes: BatchWrites) => JSON.stringify(writesObject(writes));

/** The checked statement's parameter: the writes, with what the rows must hold for them to happen. */
function checkedJson(keys: BatchKeys, expected: LockedRows, writes: BatchWrites | null): string {
  const balances = new Set(expected.balances.map((b) => `${b.userId}\n${b.asset}`));
  const positions = new Set(expected.positions.map((p) => `${p.userId}\n${p.symbol}`));
  return JSON.stringify({
    ...writesObject(writes ?? { orders: [], fills: [], ledger: [], balances: [], positions: [] }),
    us: usersOf(keys),
    eb: expected.balances.map((b) => ({ u: b.userId, a: b.asset, v: b.available })),
    ep: expected.positions.map(positionJson),
    ab: keys.balances.filter((k) => !balances.has(`${k.userId}\n${k.asset}`)).map((k) => ({ u: k.userId, a: k.asset })),
    ap: keys.positions
      .filter((k) => !positions.has(`${k.userId}\n${k.symbol}`))
      .map((k) => ({ u: k.userId, s: k.symbol })),
    c: keys.clientOrderIds.map((k) => ({ u: k.userId, c: k.clientOrderId })),
  });
}

const positionJson = (p: PositionValues) => ({
  u: p.userId,
  s: p.symbol,
  q: p.quantity,
  c: p.cost,
  r: p.realizedPnl,
  f: p.feesPaid,
});

function lockedRows(rows: readonly Row[]): LockedRows {
  const locked: LockedRows = { balances: [], positions: [], taken: [] };
  for (const row of rows) {
    const userId = row.u ?? "";
    const key = row.key ?? "";
    if (row.k === "b") locked.balances.push({ userId, asset: key, available: row.v1 ?? "0" });
    else if (row.k === "p")
      locked.positions.push({
        userId,
        symbol: key,
        quantity: row.v1 ?? "0",
        cost: row.v2 ?? "0",
        realizedPnl: row.v3 ?? "0",
        feesPaid: row.v4 ?? "0",
      });
    else locked.taken.push({ userId, clientOrderId: key });
  }
  return locked;
}

/** Two steps in one transaction: the locks (sent with BEGIN), then the writes (sent with COMMIT). */
interface BatchTransaction {
  lock(json: string): Promise<Row[]>;
  /** The writes and the commit; answers the transaction's time (`now()`, in microseconds since the epoch, as text). */
  writeAndCommit(json: string | null, beforeCommit?: () => Promise<void>): Promise<string | null>;
}

async function onPostgres<T>(client: postgres.Sql, work: (tx: BatchTransaction) => Promise<T>): Promise<T> {
  const connection = await client.reserve();
  try {
    let begun = false;
    return await work({
      async lock(json) {
        begun = true;
        // Three statements in one round trip; each takes its snapshot when it starts, after the one before.
        const [, , rows] = await Promise.all([
          connection.unsafe("begin"),
          connection.unsafe(USERS_SQL, [json], { prepare: true }),
          connection.unsafe(LOCK_SQL, [json], { prepare: true }),
        ]);
        return rows as unknown as Row[];
      },
      async writeAndCommit(json, beforeCommit) {
        if (!begun) throw new Error("a batch writes after its locks");
        if (json === null || beforeCommit) {
          const rows =
            json === null ? [] : ((await connection.unsafe(WRITE_SQL, [json], { prepare: true })) as unknown as Row[]);
          await beforeCommit?.();
          await connection.unsafe("commit");
          return rows[0]?.now ?? null;
        }
        // After a failed write Postgres answers COMMIT with a rollback; the write's error is what is thrown.
        const [rows] = await Promise.all([
          connection.unsafe(WRITE_SQL, [json], { prepare: true }) as unknown as Promise<Row[]>,
          connection.unsafe("commit"),
        ]);
        return rows[0]?.now ?? null;
      },
    });
  } catch (error) {
    await connection.unsafe("rollback").catch(() => {});
    throw error;
  } finally {
    connection.release();
  }
}

/**
 * PGlite plans every parameterized query again (its queries are unnamed
 * statements), and planning the write statement costs more than running it
 * for a small batch. So each statement is prepared once per database and run
 * with EXECUTE, whose argument is a literal (EXECUTE takes no bind
 * parameters): the JSON with its quotes doubled, under
 * standard_conforming_strings, which the database sets for the session.
 */
const preparedOn = new WeakMap<PGlite, Promise<void>>();

function prepareOnPglite(client: PGlite): Promise<void> {
  let prepared = preparedOn.get(client);
  if (!prepared) {
    prepared = client
      .exec(
        `set standard_conforming_strings = on;
        prepare tb_batch_lock(text) as ${LOCK_SQL};
        prepare tb_batch_write(text) as ${WRITE_SQL};
        prepare tb_batch_checked(text) as ${CHECKED_SQL};`,
      )
      .then(() => {});
    prepared.catch(() => preparedOn.delete(client));
    preparedOn.set(client, prepared);
  }
  return prepared;
}

const textLiteral = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** PGlite runs one transaction at a time: no other batch can be between the locks, so USERS_SQL is left out. */
async function onPglite<T>(client: PGlite, work: (tx: BatchTransaction) => Promise<T>): Promise<T> {
  await prepareOnPglite(client);
  return client.transaction(async (tx: PGliteTransaction) =>
    work({
      async lock(json) {
        return ((await tx.exec(`execute tb_batch_lock(${textLiteral(json)})`))[0]?.rows ?? []) as Row[];
      },
      async writeAndCommit(json, beforeCommit) {
        const rows =
          json === null
            ? []
            : (((await tx.exec(`execute tb_batch_write(${textLiteral(json)})`))[0]?.rows ?? []) as Row[]);
        await beforeCommit?.();
        return rows[0]?.now ?? null;
      },
    }),
  );
}

/** The driver's own client under drizzle (a transaction has none). */
const clientOf = (db: Db): unknown => (db as unknown as { $client: unknown }).$client;
const isPostgres = (client: unknown): client is postgres.Sql =>
  !!client && typeof (client as postgres.Sql).reserve === "function";
const isPglite = (client: unknown): client is PGlite =>
  !!client && typeof (client as PGlite).transaction === "function";

/** The database's own client, which a group commit needs (a transaction's has no connection of its own to reserve). */
function driverOf(db: Db): { postgres: postgres.Sql } | { pglite: PGlite } {
  const client = clientOf(db);
  if (isPostgres(client)) return { postgres: client };
  if (isPglite(client)) return { pglite: client };
  throw new Error("a group commit needs the database itself, not a transaction");
}

/** The checked statement, its own transaction: its one row (`ok` is "true" when it wrote). */
async function runChecked(db: Db, json: string): Promise<Row | undefined> {
  const driver = driverOf(db);
  if ("postgres" in driver)
    return ((await driver.postgres.unsafe(CHECKED_SQL, [json], { prepare: true })) as unknown as Row[])[0];
  await prepareOnPglite(driver.pglite);
  return (
    (await driver.pglite.exec(`execute tb_batch_checked(${textLiteral(json)})`))[0]?.rows as Row[] | undefined
  )?.[0];
}

function batchTransaction<T>(db: Db, work: (tx: BatchTransaction) => Promise<T>): Promise<T> {
  const driver = driverOf(db);
  return "postgres" in driver ? onPostgres(driver.postgres, work) : onPglite(driver.pglite, work);
}

/**
 * How many batches are worth running at once: two on Postgres (while one
 * commits, the next is written on another connection), one on PGlite, which
 * runs one transaction at a time anyway: a second batch would only wait,
 * having taken the orders that could have joined the next one.
 */
export function concurrentBatches(db: Db): number {
  return isPostgres(clientOf(db)) ? 2 : 1;
}

/** A clientOrderId another transaction took between the check and the write: the batch runs again and sees it. */
function isTakenMeanwhile(error: unknown): boolean {
  return isUniqueViolation(error) && /orders_user_client_order_id_idx/.test(String((error as Error).message ?? ""));
}

/**
 * Runs a group commit: decides the batch (`decide`) against the rows of
 * `keys`, writes the writes it answers and commits; answers what `decide`
 * returned, with the transaction's time and the way it ran. With `expected`
 * it runs checked first (one statement). Locked, it locks the rows (balances
 * in (user, asset) order, then positions in (user, market) order, so that two
 * batches never wait on each other in a cycle) and decides against what it
 * read. A batch the database aborts runs again whole, locked, `decide`
 * included, against what it reads then; a checked batch whose rows changed
 * runs locked at once (the database aborted nothing: not an attempt).
 */
export async function groupCommit<T>(
  db: Db,
  keys: BatchKeys,
  decide: (locked: LockedRows) => { writes: BatchWrites | null; result: T },
  options: GroupCommitOptions = {},
): Promise<{ result: T; nowMicros: bigint | null; path: BatchPath }> {
  const attempts = options.attempts ?? 4;
  const hook = (attempt: number) => {
    const before = options.beforeCommit;
    return before ? () => before(attempt) : undefined;
  };
  let expected = options.expected;
  for (let attempt = 1; ; ) {
    try {
      if (expected) {
        const { writes, result } = decide(expected);
        const json = checkedJson(keys, expected, writes);
        expected = undefined;
        await hook(attempt)?.();
        const row = await runChecked(db, json);
        if (row?.ok === "true") {
          const wrote = !!writes && writes.orders.length > 0;
          return { result, nowMicros: wrote && row.now ? BigInt(row.now) : null, path: "checked" };
        }
      }
      return await batchTransaction(db, async (tx) => {
        const locked = lockedRows(await tx.lock(keysJson(keys)));
        const { writes, result } = decide(locked);
        const now = await tx.writeAndCommit(
          writes && writes.orders.length > 0 ? writesJson(writes) : null,
          hook(attempt),
        );
        return { result, nowMicros: now === null ? null : BigInt(now), path: "locked" as const };
      });
    } catch (error) {
      if (attempt >= attempts || !(isRetryableConflict(error) || isTakenMeanwhile(error))) throw error;
      // A short, jittered pause so the two sides of the cycle do not meet again at once.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
      attempt++;
    }
  }
}

/** The creation time the write statement gives the `index`-th order or fill of a batch (a microsecond apart), to the millisecond. */
export function batchRowTime(nowMicros: bigint, index: number): Date {
  return new Date(Number((nowMicros + BigInt(index)) / 1000n));
}
