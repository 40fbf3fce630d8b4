/**
 * What the database spends on one group commit of market orders, by batch size, with nothing else
 * running: the batches go one after another on one connection (`executeMarketBatch`, the checked
 * statement the api sends once it knows an account's rows), and the database's CPU is read from /proc.
 * Baseline in the same run: pgbench TPC-B-like on one connection, the Postgres CPU of one transaction.
 * A second database without the foreign keys of orders, fills and ledger entries shows what the
 * checks of those keys cost (an experiment: the schema keeps them).
 * It answers the question the orders bench leaves: how much of an order's cost is fixed per batch
 * (and so falls as batches grow) and how much comes with every order, whatever the batching.
 * Run: `npm run bench -- batch-cost` (writes bench/results/batch-cost.md).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_MARKETS, Decimal, type MarketSpec } from "@tradeboard/core";
import { type Database, openDatabase } from "@tradeboard/db";
import postgres from "postgres";
import { KnownRows } from "../apps/api/src/services/trading/known-rows.ts";
import { executeMarketBatch, type MarketOrderRequest } from "../apps/api/src/services/trading/market-batch.ts";
import { accountId, seedAccounts } from "./lib/accounts.ts";
import { loadAverage, median, spread } from "./lib/measure.ts";
import { createDatabase, localPostmasterPid, pgbench, pgbenchInit } from "./lib/postgres.ts";
import { cpuSeconds, repoRoot, treeCpuSeconds } from "./lib/processes.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
/** Orders per size and run: enough for a steady figure, few enough for a few seconds each. */
const ORDERS = Number(process.env.BENCH_BATCH_ORDERS ?? 3000);
const SIZES = [1, 3, 10, 30] as const;
const ACCOUNTS = 1000;
const BASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const FEE_RATE = "0.001";
const QUANTITY = "0.001";

const log = (message: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
const startedAt = new Date();
const loadAtStart = loadAverage();
const work = mkdtempSync(join(tmpdir(), "tradeboard-bench-batch-"));
const spec = DEFAULT_MARKETS.find((m) => m.symbol === "BTC-USD") as MarketSpec;

/** A market buy of the smallest lot for account n, at a fixed price. */
function order(n: number): MarketOrderRequest {
  return {
    order: {
      userId: accountId(n),
      clientOrderId: null,
      requestHash: `bench-${n}`,
      symbol: spec.symbol,
      side: "buy",
      type: "market",
      timeInForce: "gtc",
      quantity: QUANTITY,
      status: "filled",
      filledQuantity: QUANTITY,
    },
    spec,
    side: "buy",
    price: new Decimal("64000.5"),
  };
}

interface BatchFigures {
  /** Database CPU per batch and per order (µs), wall time per batch (µs). */
  cpuPerBatch: number;
  cpuPerOrder: number;
  wallPerBatch: number;
}

/**
 * Runs batches of `size` orders one after another, each account in turn (every account's rows are
 * known after the first round, so every batch is one checked statement), and reads `cpu()` around it.
 */
async function runBatches(database: Database, size: number, cpu: () => number): Promise<BatchFigures> {
  const known = new KnownRows();
  let next = 0;
  const batch = () => Array.from({ length: size }, () => order((next++ % ACCOUNTS) + 1));
  // The first round makes every account's rows known, so what is measured runs checked.
  for (let i = 0; i < ACCOUNTS; i += size) await executeMarketBatch(database.db, batch(), { feeRate: FEE_RATE, known });
  const batches = Math.max(10, Math.round(ORDERS / size));
  const cpuBefore = cpu();
  const started = performance.now();
  for (let i = 0; i < batches; i++) {
    const { path } = await executeMarketBatch(database.db, batch(), { feeRate: FEE_RATE, known });
    if (path !== "checked") throw new Error("a measured batch ran locked: its rows were not known");
  }
  const wall = (performance.now() - started) * 1000;
  const used = (cpu() - cpuBefore) * 1e6;
  return { cpuPerBatch: used / batches, cpuPerOrder: used / batches / size, wallPerBatch: wall / batches };
}

async function dropForeignKeys(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const keys = await sql<{ table: string; name: string }[]>`
      select conrelid::regclass::text as table, conname as name from pg_constraint
      where contype = 'f' and conrelid::regclass::text in ('orders', 'fills', 'ledger_entries')`;
    for (const key of keys) await sql.unsafe(`alter table ${key.table} drop constraint ${key.name}`);
  } finally {
    await sql.end();
  }
}

/** A Postgres database made for the run, migrated and seeded; `withoutForeignKeys` drops them. */
async function postgresDatabase(name: string, withoutForeignKeys: boolean) {
  const created = await createDatabase(BASE_URL, `bench_batch_${name}_${process.pid}`);
  const database = await openDatabase({ url: created.url, maxConnections: 1 });
  await database.migrate();
  await seedAccounts(database.db, ACCOUNTS, "1000000000000");
  if (withoutForeignKeys) await dropForeignKeys(created.url);
  const [row] = (await database.db.execute("select pg_backend_pid() as pid" as never)) as unknown as {
    pid: number;
  }[];
  return { database, created, backend: Number(row?.pid) };
}

// --- Postgres --------------------------------------------------------------------------------------

const tpcb = await createDatabase(BASE_URL, `bench_batch_tpcb_${process.pid}`);
log("pgbench -i -s 10");
await pgbenchInit(tpcb.url, 10);
const postmaster = await localPostmasterPid(tpcb.url);
if (postmaster === null)
  throw new Error("this bench reads Postgres's CPU from /proc: it needs the server on this machine");

const variants = [
  { key: "fk", label: "as the schema has it", ...(await postgresDatabase("fk", false)) },
  {
    key: "nofk",
    label: "without the foreign keys of orders, fills, ledger",
    ...(await postgresDatabase("nofk", true)),
  },
];
const tpcbRuns: { tps: number; cpuPerTransaction: number }[] = [];
const pgFigures = new Map<string, BatchFigures[]>();
const record = (key: string, figures: BatchFigures) => pgFigures.set(key, [...(pgFigures.get(key) ?? []), figures]);

for (let run = 1; run <= RUNS; run++) {
  log(`run ${run}/${RUNS}: pgbench TPC-B, one client`);
  const before = treeCpuSeconds(postmaster);
  const result = await pgbench(tpcb.url, { clients: 1, seconds: SECONDS });
  const used = treeCpuSeconds(postmaster) - before;
  tpcbRuns.push({ tps: result.tps, cpuPerTransaction: (used * 1e6) / (result.tps * SECONDS) });
  for (const variant of variants)
    for (const size of SIZES) {
      log(`run ${run}/${RUNS}: batches of ${size}, ${variant.label}`);
      // The connection's own backend: what Postgres spent on these statements and nothing else.
      record(`${variant.key}|${size}`, await runBatches(variant.database, size, () => cpuSeconds(variant.backend)));
    }
}
for (const variant of variants) {
  await variant.database.close();
  await variant.created.drop();
}
await tpcb.drop();

// --- PGlite (in this process: its CPU is this process's, the batch's JavaScript included) ----------

const liteFigures = new Map<number, BatchFigures[]>();
{
  const database = await openDatabase({ dataDir: join(work, "pglite") });
  await database.migrate();
  await seedAccounts(database.db, ACCOUNTS, "1000000000000");
  for (let run = 1; run <= RUNS; run++)
    for (const size of SIZES) {
      log(`PGlite run ${run}/${RUNS}: batches of ${size}`);
      const figures = await runBatches(database, size, () => cpuSeconds(process.pid));
      liteFigures.set(size, [...(liteFigures.get(size) ?? []), figures]);
    }
  await database.close();
}
rmSync(work, { recursive: true, force: true });

// --- report ------------------------------------------------------------------------------------------

const tpcbCpu = median(tpcbRuns.map((r) => r.cpuPerTransaction));
/** Fixed cost per batch and cost per order: the line through the smallest and the largest batch's medians. */
function fixedAndPerOrder(perBatch: (size: number) => number) {
  const small = SIZES[0];
  const large = SIZES[SIZES.length - 1] as number;
  const perOrder = (perBatch(large) - perBatch(small)) / (large - small);
  return { fixed: perBatch(small) - perOrder * small, perOrder };
}
const pgRows: string[] = [];
const lines: string[] = [];
for (const variant of variants) {
  const perBatch = (size: number) => median((pgFigures.get(`${variant.key}|${size}`) ?? []).map((f) => f.cpuPerBatch));
  for (const size of SIZES) {
    const runs = pgFigures.get(`${variant.key}|${size}`) ?? [];
    const perOrder = median(runs.map((f) => f.cpuPerOrder));
    const wall = median(runs.map((f) => f.wallPerBatch));
    pgRows.push(
      `| ${variant.label} | ${size} | ${spread(runs.map((f) => f.cpuPerBatch))} | ${perOrder.toFixed(0)} | ${(perOrder / tpcbCpu).toFixed(2)}× | ${wall.toFixed(0)} | ${((size * 1e6) / wall).toFixed(0)} |`,
    );
  }
  const { fixed, perOrder } = fixedAndPerOrder(perBatch);
  lines.push(
    `- ${variant.label}: about **${fixed.toFixed(0)} µs per batch** and **${perOrder.toFixed(0)} µs per order**.`,
  );
}
const liteRows = SIZES.map((size) => {
  const runs = liteFigures.get(size) ?? [];
  const wall = median(runs.map((f) => f.wallPerBatch));
  return `| ${size} | ${spread(runs.map((f) => f.cpuPerBatch))} | ${median(runs.map((f) => f.cpuPerOrder)).toFixed(0)} | ${wall.toFixed(0)} | ${((size * 1e6) / wall).toFixed(0)} |`;
});
const lite = fixedAndPerOrder((size) => median((liteFigures.get(size) ?? []).map((f) => f.cpuPerBatch)));

const report = `# batch-cost.bench — ${startedAt.toISOString()}

What the database spends on one group commit of market orders (\`executeMarketBatch\`, the checked
statement: one round trip, its own transaction), batches sent one after another on one connection,
nothing else running; each order a market buy of ${QUANTITY} BTC for another of ${ACCOUNTS} accounts.
Medians of ${RUNS} runs of about ${ORDERS} orders per size (range in brackets). Load average ${loadAtStart} at
the start, ${loadAverage()} at the end (two cores).

Baseline, same run: pgbench TPC-B-like (\`-s 10\`, \`-M prepared\`, one client, ${SECONDS} s):
${spread(tpcbRuns.map((r) => r.tps))} transactions/s, **${tpcbCpu.toFixed(0)} µs of Postgres CPU per transaction**
(the server's processes, from /proc).

## Postgres (the connection's backend, from /proc)

| schema | orders per batch | Postgres µs per batch | µs per order | per order / TPC-B transaction | wall µs per batch | orders/s, one connection |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${pgRows.join("\n")}

${lines.join("\n")}

## PGlite (in the bench's process: the database and the batch's own JavaScript)

| orders per batch | µs per batch | µs per order | wall µs per batch | orders/s |
| ---: | ---: | ---: | ---: | ---: |
${liteRows.join("\n")}

- About **${lite.fixed.toFixed(0)} µs per batch** and **${lite.perOrder.toFixed(0)} µs per order**.

## What it means

An order writes eight rows (the order, its fill, three ledger entries, two balances, the position) and
checks six foreign keys (the order's and the fill's user, the fill's order, each ledger entry's user);
a TPC-B transaction updates three rows and inserts one. Part of a batch's cost is fixed (the statement,
its locks, the commit) and shrinks per order as batches grow; the rest comes with every order however
the orders are batched. The market-order cases of the orders bench see batches of about 3 orders at
10 connections (at most 10 orders are in flight, and some are always in the api or on the wire) and about
14 at 50.
`;
console.log(`\n${report}`);
writeFileSync(join(repoRoot, "bench/results/batch-cost.md"), report);
