/**
 * Where an order's time goes in the api today: the api (its own process, production
 * mode, on a fresh Postgres database) runs under the inspector's CPU profiler while the load
 * generator sends market orders for 1,000 accounts over 10 connections; the profile is
 * summarised by part (HTTP, session, validation, logging, database driver, ...), and the
 * api's CPU use is read from /proc. Run: `npm run bench -- profile` (writes
 * bench/results/orders-profile.md). Profiling slows the process; read shares, not rates.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "@tradeboard/db";
import { accountId, seedAccounts, sessionCookie } from "./lib/accounts.ts";
import { MARKET_ORDER_BODY } from "./lib/capture.ts";
import { measureCpu } from "./lib/cpu-use.ts";
import { profileProcess } from "./lib/inspector.ts";
import { loadAverage, runLoad } from "./lib/measure.ts";
import { createDatabase, localPostmasterPid } from "./lib/postgres.ts";
import { freePort, repoRoot, startApi } from "./lib/processes.ts";
import { type Categories, profileTable, summarizeProfile } from "./lib/profile-summary.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const ACCOUNTS = 1000;
const BASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const SECRET = "bench-profile-secret-0123456789abcdefghijklmnop";

export const API_PARTS: Categories = [
  [
    "HTTP: Fastify and its parts",
    /node_modules\/(fastify|@fastify|find-my-way|light-my-request|avvio|fast-json-stringify|secure-json-parse|fast-querystring|fast-uri|toad-cache|process-warning|abstract-logging|rfdc|json-schema-ref-resolver)\//,
  ],
  [
    "session: cookie decryption (jose) and check",
    /node_modules\/(jose|@auth|cookie)\/|apps\/api\/src\/(auth\/|plugins\/auth)/,
  ],
  ["validation: zod", /node_modules\/zod\/|plugins\/zod-validation/],
  [
    "logging: pino",
    /node_modules\/(pino|pino-std-serializers|sonic-boom|thread-stream|fast-redact|@pinojs|quick-format-unescaped|on-exit-leak-free|atomic-sleep|fast-safe-stringify)\//,
  ],
  ["database driver: postgres.js", /node_modules\/postgres\//],
  ["query builder: drizzle-orm", /node_modules\/drizzle-orm\//],
  ["decimal.js", /node_modules\/decimal\.js\//],
  ["queries: packages/db", /packages\/db\/src/],
  ["trading service and domain (packages/core)", /apps\/api\/src\/services|packages\/core\/src/],
  ["routes, errors, other api code", /apps\/api\/src|packages\/contracts\/src/],
  ["tsx (the loader)", /node_modules\/(tsx|esbuild)\//],
  ["other packages", /node_modules\//],
];

const work = mkdtempSync(join(tmpdir(), "tradeboard-bench-profile-"));
const database = await createDatabase(BASE_URL, `bench_profile_${process.pid}`);
{
  const seed = await openDatabase({ url: database.url, maxConnections: 2 });
  await seed.migrate();
  await seedAccounts(seed.db, ACCOUNTS, "1000000000000");
  await seed.close();
}
const cookies = await Promise.all(Array.from({ length: ACCOUNTS }, (_, i) => sessionCookie(accountId(i + 1), SECRET)));
const plan = {
  method: "POST",
  body: MARKET_ORDER_BODY,
  cookies,
  connections: CONNECTIONS,
};

// Without the profiler first: the api's CPU use per order.
let api = await startApi({
  port: await freePort(),
  authSecret: SECRET,
  database: { url: database.url },
  logFile: join(work, "api.log"),
});
await runLoad({ ...plan, url: `${api.url}/api/trades`, seconds: 3 });
// Postgres's CPU too, when it runs here: every backend and its background processes (autovacuum, WAL writer).
const postmaster = await localPostmasterPid(database.url);
const { result: plain, cpu: used } = await measureCpu({ api: api.pid, postmaster }, () =>
  runLoad({ ...plan, url: `${api.url}/api/trades`, seconds: SECONDS }),
);
const cpu = used.api ?? 0;
const postgresCpu = used.postgres;
await api.stop();

const inspectPort = await freePort();
api = await startApi({
  port: await freePort(),
  authSecret: SECRET,
  database: { url: database.url },
  logFile: join(work, "api-profiled.log"),
  nodeArgs: [`--inspect=127.0.0.1:${inspectPort}`],
});
await runLoad({ ...plan, url: `${api.url}/api/trades`, seconds: 3 });
const file = join(work, "api.cpuprofile");
const profiled = await profileProcess(inspectPort, file, () =>
  runLoad({ ...plan, url: `${api.url}/api/trades`, seconds: SECONDS }),
);
await api.stop();
await database.drop();
const summary = summarizeProfile(file, API_PARTS);
const orders = profiled.total;
// BENCH_PROFILE_OUT=/path/api.cpuprofile keeps the raw profile (open it in Chrome's DevTools).
if (process.env.BENCH_PROFILE_OUT) copyFileSync(file, process.env.BENCH_PROFILE_OUT);
rmSync(work, { recursive: true, force: true });

const report = `# Where a market order's time goes in the api — ${new Date().toISOString()}

The api in its own process (production mode, log level info, Postgres in a database made for the run), market
orders for ${ACCOUNTS} accounts over ${CONNECTIONS} connections for ${SECONDS} s, autocannon in its own process.
Load average ${loadAverage()} (two cores, shared with other people's test runs).

Without the profiler: **${plain.requestsPerSecond.toFixed(0)} orders/s**, p50 ${plain.p50} ms, p99 ${plain.p99} ms; the api
process used **${((cpu / SECONDS) * 100).toFixed(0)} % of one core** (${((cpu * 1e6) / plain.total).toFixed(0)} µs of CPU per order)${
  postgresCpu === null
    ? "."
    : `; Postgres, all its processes, **${((postgresCpu / SECONDS) * 100).toFixed(0)} %** (${((postgresCpu * 1e6) / plain.total).toFixed(0)} µs per order).`
}

Profiled through the inspector while the load ran (sampling every 0.5 ms, slower:
${profiled.requestsPerSecond.toFixed(0)} orders/s, ${summary.totalMs.toFixed(0)} ms of samples), each sample charged to the nearest frame of a known part; "(idle)" is
the event loop waiting — for Postgres, as nothing else is outstanding while orders are in flight. µs per request
divide by the ${orders} orders of the measured part.

${profileTable(summary, orders)}
`;
console.log(report);
writeFileSync(join(repoRoot, "bench/results/orders-profile.md"), report);
