// A quick look at market-order throughput while changing the order path, not a result (npm run bench
// skips it; bench/orders.bench.ts is the measurement with baselines):
//   node --import tsx bench/quick-orders.ts pglite|postgres
// QUICK_CASES=hot10,spread50 picks cases, QUICK_PROF=<dir> writes the api's CPU profile there,
// QUICK_LOG=<file> keeps the api's log, QUICK_IMPORT=<module> preloads a module into the api (--import),
// QUICK_NODE_ARGS="<flags>" passes more flags to the api's node, QUICK_RATE=<orders/s> offers that rate
// over all connections instead of as many as they can send (as the p99-at-half-rate case does).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "@tradeboard/db";
import { accountId, seedAccounts, sessionCookie } from "./lib/accounts.ts";
import { MARKET_ORDER_BODY } from "./lib/capture.ts";
import { runLoad } from "./lib/measure.ts";
import { createDatabase } from "./lib/postgres.ts";
import { freePort, startApi } from "./lib/processes.ts";

const SECRET = "bench-orders-secret-0123456789abcdefghijklmnop";
const ACCOUNTS = 1000;
const driver = process.argv[2] ?? "pglite";
const work = mkdtempSync(join(tmpdir(), "tb-quick-"));
let database: { url: string } | { dataDir: string };
let drop = async () => {};
if (driver === "pglite") {
  const local = await openDatabase({ dataDir: join(work, "data", "pglite") });
  await local.migrate();
  await seedAccounts(local.db, ACCOUNTS, "1000000000000");
  await local.close();
  database = { dataDir: join(work, "data") };
} else {
  const created = await createDatabase("postgres://postgres@127.0.0.1:5432/test", `bench_quick_${process.pid}`);
  const seed = await openDatabase({ url: created.url, maxConnections: 2 });
  await seed.migrate();
  await seedAccounts(seed.db, ACCOUNTS, "1000000000000");
  await seed.close();
  database = { url: created.url };
  drop = () => created.drop();
}
const cookies = await Promise.all(Array.from({ length: ACCOUNTS }, (_, i) => sessionCookie(accountId(i + 1), SECRET)));
const api = await startApi({
  port: await freePort(),
  authSecret: SECRET,
  database,
  logFile: process.env.QUICK_LOG ?? join(work, "api.log"),
  nodeArgs: [
    ...(process.env.QUICK_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.QUICK_PROF}`] : []),
    ...(process.env.QUICK_IMPORT ? ["--import", process.env.QUICK_IMPORT] : []),
    ...(process.env.QUICK_NODE_ARGS ? process.env.QUICK_NODE_ARGS.split(" ") : []),
  ],
});
const run = (list: string[], connections: number, seconds = 8) =>
  runLoad({
    url: `${api.url}/api/trades`,
    method: "POST",
    body: MARKET_ORDER_BODY,
    cookies: list,
    connections,
    seconds,
  });
await run(cookies, 10, 3);
for (const connections of [10, 50]) {
  for (const [name, list] of [
    ["hot", cookies.slice(0, 1)],
    ["spread", cookies],
  ] as const) {
    if (process.env.QUICK_CASES && !process.env.QUICK_CASES.split(",").includes(`${name}${connections}`)) continue;
    const r = process.env.QUICK_RATE
      ? await runLoad({
          url: `${api.url}/api/trades`,
          method: "POST",
          body: MARKET_ORDER_BODY,
          cookies: list,
          connections,
          seconds: 8,
          overallRate: Number(process.env.QUICK_RATE),
        })
      : await run(list, connections);
    console.log(
      `${driver} ${name} c=${connections}: ${r.requestsPerSecond.toFixed(0)}/s p50 ${r.p50} p99 ${r.p99} non2xx ${r.non2xx ?? ""} errors ${r.errors ?? ""}`,
    );
  }
}
await api.stop();
await drop();
rmSync(work, { recursive: true, force: true });
