/**
 * Market orders and order lists over HTTP, against what the database itself can do,
 * all measured in this run (issue 14):
 * - the api runs as production runs it: its own process, NODE_ENV=production, the
 *   default log level (a line per request, to a file), on a fresh Postgres database
 *   made for the run, then on PGlite in a temporary folder;
 * - the load generator (autocannon) runs in a process of its own, every request with
 *   an Auth.js session cookie of an account made for the run, checked by the api;
 * - baselines: pgbench TPC-B-like (`-i -s 10`, `-M prepared -c N -j 2 -T s`) with the
 *   same client count; pgbench running exactly the api's SQL for one market order
 *   (captured from the wire when the run starts, written to bench/sql/) and for one
 *   page of the order list; a bare node:http hello-world, for context only.
 * Each case runs BENCH_RUNS times (default 3), interleaved with its baselines; the
 * tables give medians and the range. The machine is shared: read ratios, not figures.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "@tradeboard/db";
import { accountId, accountIdSql, seedAccounts, sessionCookie } from "./lib/accounts.ts";
import { captureRequestSql, MARKET_ORDER_BODY } from "./lib/capture.ts";
import { type CpuUse, measureCpu, processors } from "./lib/cpu-use.ts";
import { startHello } from "./lib/hello.ts";
import { type LoadPlan, type LoadResult, loadAverage, median, runLoad, spread } from "./lib/measure.ts";
import { createDatabase, localPostmasterPid, pgbench, pgbenchInit } from "./lib/postgres.ts";
import { freePort, type Running, repoRoot, startApi } from "./lib/processes.ts";
import { toPgbenchScript } from "./lib/request-sql.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CLIENTS = [10, 50] as const;
const ACCOUNTS = 1000;
/** An account with history for the list: HISTORY_ORDERS orders placed through the api. */
const HISTORY_ACCOUNT = ACCOUNTS + 1;
const HISTORY_ORDERS = 1000;
const BASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const SECRET = "bench-orders-secret-0123456789abcdefghijklmnop";

const work = mkdtempSync(join(tmpdir(), "tradeboard-bench-orders-"));
const sqlDir = join(repoRoot, "bench/sql");
mkdirSync(sqlDir, { recursive: true });
const log = (message: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
const startedAt = new Date();
const loadAtStart = loadAverage();

// --- the api's own SQL, as pgbench scripts ------------------------------------------------------

log("capturing the api's SQL for one market order and one order page");
const captured = await captureRequestSql({ baseUrl: BASE_URL, logFile: join(work, "capture-api.log") });
const orderScript = join(sqlDir, "market-order.sql");
const listScript = join(sqlDir, "list-orders.sql");
const header = "Written by `npm run bench -- orders` from the statements the api sent for one request";
writeFileSync(
  orderScript,
  toPgbenchScript(captured.order.statements, {
    account: { id: captured.order.userId, sql: accountIdSql("aid") },
    preamble: ["\\set aid random(1, :accounts)"],
    comment: `${header}: POST /api/trades ${MARKET_ORDER_BODY} (pgbench -D accounts=N picks the account at random).`,
  }),
);
writeFileSync(
  listScript,
  toPgbenchScript(captured.list.statements, {
    account: { id: captured.list.userId, sql: accountIdSql("aid") },
    preamble: ["\\set aid :account"],
    comment: `${header}: GET /api/trades?limit=50 (pgbench -D account=N).`,
  }),
);
log(`market order: ${captured.order.statements.length} statements; order page: ${captured.list.statements.length}`);

// --- databases ------------------------------------------------------------------------------

const tpcb = await createDatabase(BASE_URL, `bench_tpcb_${process.pid}`);
log("pgbench -i -s 10");
await pgbenchInit(tpcb.url, 10);
const apiDb = await createDatabase(BASE_URL, `bench_orders_${process.pid}`);
const seed = await openDatabase({ url: apiDb.url, maxConnections: 2 });
await seed.migrate();
await seedAccounts(seed.db, HISTORY_ACCOUNT, "1000000000000");
await seed.close();

const cookies = await Promise.all(
  Array.from({ length: HISTORY_ACCOUNT }, (_, i) => sessionCookie(accountId(i + 1), SECRET)),
);
const hotCookie = [cookies[0] as string];
const spreadCookies = cookies.slice(0, ACCOUNTS);
const historyCookie = [cookies[HISTORY_ACCOUNT - 1] as string];

const orderCase = (url: string, cookieList: string[], connections: number, extra: Partial<LoadPlan> = {}) =>
  runLoad({
    url: `${url}/api/trades`,
    method: "POST",
    body: MARKET_ORDER_BODY,
    cookies: cookieList,
    connections,
    seconds: SECONDS,
    ...extra,
  });

async function placeHistory(api: Running): Promise<void> {
  // Sequential batches of 10: the account's history, before anything is measured.
  for (let i = 0; i < HISTORY_ORDERS; i += 10) {
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        const response = await fetch(`${api.url}/api/trades`, {
          method: "POST",
          headers: { cookie: historyCookie[0] as string, "content-type": "application/json" },
          body: MARKET_ORDER_BODY,
        });
        if (response.status !== 201) throw new Error(`history order answered ${response.status}`);
      }),
    );
  }
}

// --- Postgres -----------------------------------------------------------------------------------

const hello = await startHello(await freePort());
log(`api on Postgres (${apiDb.url.replace(/\/\/[^@]*@/, "//")})`);
let api = await startApi({
  port: await freePort(),
  authSecret: SECRET,
  database: { url: apiDb.url },
  logFile: join(work, "api-postgres.log"),
});
await placeHistory(api);
/** Fresh planner statistics for the api's database, as autovacuum gathers them after many writes. */
const analyzeApiDatabase = async () => {
  const analyze = await openDatabase({ url: apiDb.url, maxConnections: 1 });
  await analyze.analyze();
  await analyze.close();
};
await analyzeApiDatabase();
log("warm-up");
await orderCase(api.url, spreadCookies, 10, { seconds: 3 });

const postmaster = await localPostmasterPid(apiDb.url);
/** What each unit of work cost the machine, per case and client count: "tpcb|10", "hot|10", "spread|50", "hello|10". */
const cpuPerUnit = new Map<string, { units: number; cpu: CpuUse }[]>();
/** Runs one measured case and records its CPU use against the units of work it did. */
async function costed<T>(key: string, work: () => Promise<T>, units: (result: T) => number): Promise<T> {
  const { result, cpu } = await measureCpu({ api: api.pid, postmaster }, work);
  cpuPerUnit.set(key, [...(cpuPerUnit.get(key) ?? []), { units: units(result), cpu }]);
  return result;
}
const served = (r: LoadResult) => r.total;

const pg = {
  tpcb: new Map<number, number[]>(),
  scriptHot: new Map<number, number[]>(),
  scriptSpread: new Map<number, number[]>(),
  apiHot: new Map<number, LoadResult[]>(),
  apiSpread: new Map<number, LoadResult[]>(),
  listPgbench: [] as number[],
  listApi: [] as LoadResult[],
  hello: [] as LoadResult[],
};
const push = <T>(map: Map<number, T[]>, key: number, value: T) => map.set(key, [...(map.get(key) ?? []), value]);

for (let run = 1; run <= RUNS; run++) {
  for (const clients of CLIENTS) {
    log(`run ${run}/${RUNS}, ${clients} clients: pgbench TPC-B`);
    push(
      pg.tpcb,
      clients,
      (
        await costed(
          `tpcb|${clients}`,
          () => pgbench(tpcb.url, { clients, seconds: SECONDS }),
          (r) => r.tps * SECONDS,
        )
      ).tps,
    );
    log(`run ${run}/${RUNS}, ${clients} clients: pgbench market-order SQL, one account / ${ACCOUNTS}`);
    push(
      pg.scriptHot,
      clients,
      (await pgbench(apiDb.url, { clients, seconds: SECONDS, script: orderScript, defines: { accounts: "1" } })).tps,
    );
    push(
      pg.scriptSpread,
      clients,
      (
        await pgbench(apiDb.url, {
          clients,
          seconds: SECONDS,
          script: orderScript,
          defines: { accounts: String(ACCOUNTS) },
        })
      ).tps,
    );
    log(`run ${run}/${RUNS}, ${clients} connections: api market orders, one account / ${ACCOUNTS}`);
    push(pg.apiHot, clients, await costed(`hot|${clients}`, () => orderCase(api.url, hotCookie, clients), served));
    push(
      pg.apiSpread,
      clients,
      await costed(`spread|${clients}`, () => orderCase(api.url, spreadCookies, clients), served),
    );
  }
  log(`run ${run}/${RUNS}: order page, pgbench and api; hello-world`);
  // The order runs just wrote hundreds of thousands of orders, and the statistics from before them give the
  // history account every order there is: both sides would count the account's orders by reading the whole
  // table (about 70 pages a second) until autovacuum looks at it again, a minute or so later.
  await analyzeApiDatabase();
  pg.listPgbench.push(
    (
      await pgbench(apiDb.url, {
        clients: 10,
        seconds: SECONDS,
        script: listScript,
        defines: { account: String(HISTORY_ACCOUNT) },
      })
    ).tps,
  );
  pg.listApi.push(
    await runLoad({ url: `${api.url}/api/trades?limit=50`, cookies: historyCookie, connections: 10, seconds: SECONDS }),
  );
  pg.hello.push(await costed("hello|10", () => runLoad({ url: hello.url, connections: 10, seconds: SECONDS }), served));
}

// p99 at half the measured rate, the requests evenly spaced (bench/lib/paced-load.mjs).
const halfRate = new Map<string, { rate: number; runs: LoadResult[] }>();
for (const clients of CLIENTS) {
  for (const [name, results, cookieList] of [
    ["one account", pg.apiHot.get(clients) ?? [], hotCookie],
    [`${ACCOUNTS} accounts`, pg.apiSpread.get(clients) ?? [], spreadCookies],
  ] as const) {
    const rate = Math.max(1, Math.round(median(results.map((r) => r.requestsPerSecond)) / 2));
    const runs: LoadResult[] = [];
    for (let run = 1; run <= RUNS; run++) {
      log(`half rate ${rate}/s, ${name}, ${clients} connections, run ${run}/${RUNS}`);
      runs.push(await orderCase(api.url, [...cookieList], clients, { overallRate: rate }));
    }
    halfRate.set(`${name}|${clients}`, { rate, runs });
  }
}
await api.stop();
await hello.stop();
await tpcb.drop();
await apiDb.drop();

// --- PGlite ---------------------------------------------------------------------------------

const dataDir = join(work, "data");
{
  const local = await openDatabase({ dataDir: join(dataDir, "pglite") });
  await local.migrate();
  await seedAccounts(local.db, ACCOUNTS, "1000000000000");
  await local.close();
}
log("api on PGlite");
api = await startApi({
  port: await freePort(),
  authSecret: SECRET,
  database: { dataDir },
  logFile: join(work, "api-pglite.log"),
});
await orderCase(api.url, spreadCookies, 10, { seconds: 3 });
const lite = { hot: new Map<number, LoadResult[]>(), spread: new Map<number, LoadResult[]>() };
for (let run = 1; run <= RUNS; run++) {
  for (const clients of CLIENTS) {
    log(`PGlite run ${run}/${RUNS}, ${clients} connections`);
    push(lite.hot, clients, await orderCase(api.url, hotCookie, clients));
    push(lite.spread, clients, await orderCase(api.url, spreadCookies, clients));
  }
}
await api.stop();
rmSync(work, { recursive: true, force: true });

// --- report -----------------------------------------------------------------------------------

const rps = (results: readonly LoadResult[] = []) => results.map((r) => r.requestsPerSecond);
const failures = (results: readonly LoadResult[] = []) =>
  results.reduce((sum, r) => sum + r.non2xx + r.errors + r.timeouts, 0);
const ratio = (a: number, b: number) => (a / b).toFixed(2);
const met = (ok: boolean) => (ok ? "met" : "**missed**");

const orderRows: string[] = [];
for (const clients of CLIENTS) {
  const tpcbTps = median(pg.tpcb.get(clients) ?? []);
  for (const [name, results, script] of [
    ["one account", pg.apiHot.get(clients), pg.scriptHot.get(clients) ?? []],
    [`${ACCOUNTS} accounts`, pg.apiSpread.get(clients), pg.scriptSpread.get(clients) ?? []],
  ] as const) {
    const orders = median(rps(results));
    orderRows.push(
      `| ${name} | ${clients} | ${spread(rps(results))} | ${spread(pg.tpcb.get(clients) ?? [])} | ${ratio(orders, tpcbTps)}× (≥ 1.0: ${met(orders >= tpcbTps)}) | ${spread(script)} | ${ratio(orders, median(script))}× | ${median((results ?? []).map((r) => r.p50))} | ${median((results ?? []).map((r) => r.p99))} | ${failures(results)} |`,
    );
  }
}
const halfRows = [...halfRate.entries()].map(([key, { rate, runs }]) => {
  const [name, clients] = key.split("|");
  const p99 = median(runs.map((r) => r.p99));
  return `| ${name} | ${clients} | ${rate} | ${spread(rps(runs))} | ${median(runs.map((r) => r.p50))} | ${spread(runs.map((r) => r.p99))} (≤ 25: ${met(p99 <= 25)}) | ${failures(runs)} |`;
});
const listApi = median(rps(pg.listApi));
const listPg = median(pg.listPgbench);
const liteRows = CLIENTS.flatMap((clients) =>
  [
    ["one account", lite.hot.get(clients)],
    [`${ACCOUNTS} accounts`, lite.spread.get(clients)],
  ].map(([name, results]) => {
    const r = results as LoadResult[];
    const orders = median(rps(r));
    return `| ${name} | ${clients} | ${spread(rps(r))} | ${(orders / 2000).toFixed(2)}× of 2,000 (${met(orders >= 2000)}) | ${median(r.map((x) => x.p50))} | ${median(r.map((x) => x.p99))} | ${failures(r)} |`;
  }),
);

const micros = (seconds: number | null, units: number) => (seconds === null ? Number.NaN : (seconds * 1e6) / units);
/** Medians over a case's runs: machine, api and Postgres CPU per unit of work (µs), and the machine's busy share. */
function unitCost(key: string) {
  const runs = cpuPerUnit.get(key) ?? [];
  const per = (pick: (c: CpuUse) => number | null) => median(runs.map((r) => micros(pick(r.cpu), r.units)));
  const machine = per((c) => c.machine);
  const apiCpu = per((c) => c.api);
  const postgresCpu = per((c) => c.postgres);
  return { machine, api: apiCpu, postgres: postgresCpu, busy: median(runs.map((r) => r.cpu.busyShare)) };
}
const costRows: string[] = [];
const ceilings: string[] = [];
for (const clients of CLIENTS) {
  const tpcbCost = unitCost(`tpcb|${clients}`);
  const tpcbTps = median(pg.tpcb.get(clients) ?? []);
  for (const [key, name] of [
    [`tpcb|${clients}`, "pgbench TPC-B transaction"],
    [`hot|${clients}`, "market order, one account"],
    [`spread|${clients}`, `market order, ${ACCOUNTS} accounts`],
  ] as const) {
    const c = unitCost(key);
    const rest = c.machine - c.api - c.postgres;
    costRows.push(
      `| ${name} | ${clients} | ${(c.busy * 100).toFixed(0)} % | ${c.machine.toFixed(0)} | ${c.postgres.toFixed(0)} | ${c.api.toFixed(0)} | ${rest.toFixed(0)} |`,
    );
    if (key.startsWith("tpcb")) continue;
    // Were the machine's processors all busy with orders at this cost, this many would be served each second.
    const ceiling = (processors * 1e6) / c.machine;
    ceilings.push(
      `| ${name} | ${clients} | ${tpcbCost.machine.toFixed(0)} | ${c.machine.toFixed(0)} | ${ceiling.toFixed(0)} | ${(ceiling / tpcbTps).toFixed(2)}× |`,
    );
  }
}
const helloCost = unitCost("hello|10");

const report = `# orders.bench — ${startedAt.toISOString()}

Medians of ${RUNS} runs of ${SECONDS} s each (range in brackets), every case interleaved with its
baselines. The machine has 2 cores shared by the api, Postgres, the load generator and, during this
run, other people's test runs (load average ${loadAtStart} at the start, ${loadAverage()} at the end):
figures move by tens of percent between runs, ratios less.

- api: its own process, \`NODE_ENV=production\`, log level \`info\` (one line per request, to a file),
  Postgres in a database made for the run (${ACCOUNTS + 1} accounts), then PGlite in a temporary folder.
- load: autocannon in its own process; every request carries an Auth.js session cookie (JWE) of an
  account made for the run, which the api decrypts and checks against the users table.
- pgbench: \`-M prepared -j 2 -T ${SECONDS}\`, same client count as HTTP connections. TPC-B-like on its
  own database (\`pgbench -i -s 10\`). "api SQL" is [bench/sql/market-order.sql](../sql/market-order.sql):
  the statements the api sent Postgres for one market order, captured from the wire at the start of this run
  (the first order of an account the api has not written to, which runs locked: begin, the account's lock, the
  batch's lock statement, its write statement, commit; the session's user row is kept until the database
  announces a change to it, so the captured request, made after warm-up requests, has none). Later orders of an account the api
  knows run as one checked statement, which cannot be replayed as a script: the values it expects hold once.
- Market order: \`${MARKET_ORDER_BODY}\`.

## Market orders on Postgres (\`POST /api/trades\`)

| account(s) | connections | api orders/s | pgbench TPC-B tps | api / TPC-B (target) | pgbench api-SQL tps | api / api-SQL | p50 ms | p99 ms | non-2xx / errors |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${orderRows.join("\n")}

## What one order costs the machine, against one TPC-B transaction

CPU time of the whole machine (${processors} processors; /proc/stat: every process and the kernel's network work)
during each measured run, divided by the orders served or the transactions pgbench counted; medians of the runs.
"Postgres" is the server's process tree, "api" the api process (idle during pgbench: its feed and heartbeats),
"rest" everything else: the load generator or pgbench, and the kernel's loopback work for them.

| work | clients | machine busy | machine µs per unit | Postgres µs | api µs | rest µs |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${costRows.join("\n")}

For scale: one request to the bare \`node:http\` hello-world, load generator included, costs the machine
${helloCost.machine.toFixed(0)} µs (${(helloCost.busy * 100).toFixed(0)} % busy).

The most orders a second the machine could serve at these costs, were every processor busy with nothing
else (a ceiling no closed loop of connections reaches), against TPC-B's measured rate:

| orders | connections | TPC-B µs per transaction | order µs | orders/s with every processor busy | ceiling / TPC-B |
| --- | ---: | ---: | ---: | ---: | ---: |
${ceilings.join("\n")}

## Latency at half the measured rate (Postgres)

The requests are sent evenly spaced at half the rate measured above, over the same number of
connections, and each one's latency counts from when it was due (bench/lib/paced-load.mjs), so a
stall is charged for the requests that queued behind it. autocannon's own rate limit is not used:
it sends each connection's share of a second back to back at the start of the second.

| account(s) | connections | offered orders/s | served/s | p50 ms | p99 ms (target) | non-2xx / errors |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${halfRows.join("\n")}

## Order list on Postgres (\`GET /api/trades?limit=50\`, an account with ${HISTORY_ORDERS} orders)

Measured after the database's statistics are gathered again (the order runs before it wrote hundreds of
thousands of orders; with the statistics from before them the planner counts the account's orders by
reading the whole table, on both sides, until autovacuum gathers them). The page's statement writes each
order's JSON as the api answers with it (the api joins the rows and sends them), so pgbench does that work too.

| what | clients | per second | ratio |
| --- | ---: | ---: | ---: |
| pgbench, the api's SQL for the page ([bench/sql/list-orders.sql](../sql/list-orders.sql)) | 10 | ${spread(pg.listPgbench)} | 1.00 |
| api \`GET /api/trades?limit=50\` | 10 | ${spread(rps(pg.listApi))} | ${ratio(listApi, listPg)}× (≥ 0.5: ${met(listApi >= listPg * 0.5)}) |

non-2xx / errors: ${failures(pg.listApi)}.

## Market orders on PGlite

| account(s) | connections | orders/s | target ≥ 2,000/s | p50 ms | p99 ms | non-2xx / errors |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${liteRows.join("\n")}

## Context only

A bare \`node:http\` hello-world, 10 connections, same load generator: ${spread(rps(pg.hello))} req/s.
`;
console.log(`\n${report}`);
writeFileSync(join(repoRoot, "bench/results/orders.md"), report);
