/**
 * Trading speed, each against a baseline measured in the same run:
 * - the trigger index's cost per tick with 1 thousand and 1 million resting
 *   entries (the same number fired each tick), against a linear scan of the
 *   million;
 * - sustained POST /api/trades (market orders) and GET /api/trades?limit=50,
 *   against a bare node:http hello-world, with the same load tool and
 *   connections. Postgres when DATABASE_URL is set, PGlite otherwise.
 */
import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { encode } from "@auth/core/jwt";
import { DEFAULT_MARKETS, Decimal, TriggerIndex } from "@tradeboard/core";
import { insertUser, postLedgerEntry } from "@tradeboard/db";
import autocannon from "autocannon";
import { TEST_SECRET, testApp } from "../apps/api/test/helpers/app.ts";
import { openTestDatabase } from "../apps/api/test/helpers/database.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = 10;
const FIRED_PER_TICK = 10;

// --- trigger index ------------------------------------------------------------------------

function fillIndex(size: number): TriggerIndex<number> {
  const index = new TriggerIndex<number>();
  for (let i = 0; i < size; i++) {
    // Buy limits below 60000 and sell limits above it, a cent apart.
    const below = i % 2 === 0;
    const cents = 6_000_000 + (below ? -1 : 1) * (1 + Math.floor(i / 2));
    index.add(`o${i}`, "BTC-USD", below ? "fall" : "rise", new Decimal(cents).div(100).toFixed(2), i);
  }
  return index;
}

/** Microseconds per tick that fires FIRED_PER_TICK entries (which are then put back, keeping the size). */
function timeIndex(index: TriggerIndex<number>, ticks: number): number {
  let next = 10_000_000;
  const start = process.hrtime.bigint();
  for (let t = 0; t < ticks; t++) {
    // A price FIRED_PER_TICK cents into the sell side fires exactly that many.
    const fired = index.fire("BTC-USD", new Decimal(6_000_000 + FIRED_PER_TICK).div(100));
    if (fired.length !== FIRED_PER_TICK) throw new Error(`fired ${fired.length}`);
    for (let k = 1; k <= FIRED_PER_TICK; k++)
      index.add(`n${next++}`, "BTC-USD", "rise", new Decimal(6_000_000 + k).div(100).toFixed(2), 0);
  }
  return Number(process.hrtime.bigint() - start) / 1000 / ticks;
}

function timeLinearScan(size: number, ticks: number): number {
  const entries = Array.from({ length: size }, (_, i) => {
    const below = i % 2 === 0;
    return { below, threshold: new Decimal(6_000_000 + (below ? -1 : 1) * (1 + Math.floor(i / 2))).div(100) };
  });
  const start = process.hrtime.bigint();
  for (let t = 0; t < ticks; t++) {
    const price = new Decimal(6_000_000 + FIRED_PER_TICK).div(100);
    let fired = 0;
    for (const e of entries)
      if (e.below ? price.lessThanOrEqualTo(e.threshold) : price.greaterThanOrEqualTo(e.threshold)) fired++;
    if (fired !== FIRED_PER_TICK) throw new Error(`scan fired ${fired}`);
  }
  return Number(process.hrtime.bigint() - start) / 1000 / ticks;
}

const small = timeIndex(fillIndex(1_000), 2_000);
const large = timeIndex(fillIndex(1_000_000), 2_000);
const scan = timeLinearScan(1_000_000, 5);

// --- HTTP -----------------------------------------------------------------------------------

interface Load {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

async function load(options: autocannon.Options): Promise<Load> {
  const result = await autocannon({ connections: CONNECTIONS, duration: SECONDS, ...options });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.non2xx + result.errors + result.timeouts,
  };
}

const bare = createServer((_req, res) => {
  res.writeHead(200, { "content-type": "text/plain" });
  res.end("hello world");
});
await new Promise<void>((resolve) => bare.listen(0, "127.0.0.1", resolve));
const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/`;

const driver = process.env.DATABASE_URL ? "postgres" : "pglite";
const database = await openTestDatabase(driver);
const { app, feed } = await testApp(database, {}, { specs: DEFAULT_MARKETS.filter((m) => m.symbol === "BTC-USD") });
await app.markets.init();
app.markets.start();
await app.listen({ port: 0, host: "127.0.0.1" });
const apiUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
feed.trade("BTC-USD", "60000.00", { quantity: "1" });
const user = await insertUser(database.db, { email: "bench@example.com", name: "Bench", passwordHash: null });
await postLedgerEntry(database.db, {
  userId: user.id,
  asset: "USD",
  kind: "initial_deposit",
  availableDelta: "1000000000",
});
const cookie = `authjs.session-token=${await encode({ token: { sub: user.id }, secret: TEST_SECRET, salt: "authjs.session-token" })}`;

await load({ url: bareUrl, duration: 2 }); // warm-up
const hello = await load({ url: bareUrl });
const place = await load({
  url: `${apiUrl}/api/trades`,
  method: "POST",
  headers: { cookie, "content-type": "application/json" },
  body: JSON.stringify({ symbol: "BTC-USD", side: "buy", type: "market", quantity: "0.001" }),
});
// Statistics as a running api has them (PGlite: the api's periodic ANALYZE; Postgres: autovacuum).
await database.analyze();
const list = await load({ url: `${apiUrl}/api/trades?limit=50`, headers: { cookie } });
await app.close();
await database.close();
bare.close();

const ratio = (a: number, b: number) => (a / b).toFixed(2);
const report = `# trading.bench — ${new Date().toISOString()}

Database: **${driver}**. HTTP: ${CONNECTIONS} connections, ${SECONDS} s each, autocannon, all in one process.

## Trigger index, per tick firing ${FIRED_PER_TICK} entries

| resting entries | µs per tick | ratio |
| --- | ---: | ---: |
| 1,000 | ${small.toFixed(1)} | 1.00 |
| 1,000,000 | ${large.toFixed(1)} | ${ratio(large, small)} (target ≤ 2) |
| 1,000,000, linear scan (baseline) | ${scan.toFixed(0)} | scan / index = **${ratio(scan, large)}×** (target ≥ 100) |

## HTTP

| endpoint | req/s | ratio to hello-world | p50 ms | p99 ms | non-2xx / errors |
| --- | ---: | ---: | ---: | ---: | ---: |
| bare node:http hello-world (baseline) | ${hello.requestsPerSecond} | 1.00 | ${hello.p50} | ${hello.p99} | ${hello.errors} |
| POST /api/trades (market order) | ${place.requestsPerSecond} | ${ratio(place.requestsPerSecond, hello.requestsPerSecond)} (target ≥ 0.25) | ${place.p50} | ${place.p99} | ${place.errors} |
| GET /api/trades?limit=50 | ${list.requestsPerSecond} | ${ratio(list.requestsPerSecond, hello.requestsPerSecond)} (target ≥ 0.40) | ${list.p50} | ${list.p99} | ${list.errors} |
`;
console.log(report);
writeFileSync(new URL(`./results/trading-${driver}.md`, import.meta.url), report);
