/**
 * The web app's costs, each against a baseline built or measured in the same run (issue 14):
 * - first-load JavaScript of every page of a production build (`next build`) against an
 *   empty App Router page (app/layout + app/page) built with the same next and react;
 * - a call forwarded through the web app (`next start`, `/api/*` on its port) against the
 *   same call made directly on the api (its own process, production mode, on a fresh
 *   Postgres database), with the load generator in a process of its own; beside them the
 *   same call through a bare node:http forward (bench/lib/bare-forward.mjs), the most any
 *   forward written on node:http can reach.
 * BENCH_WEB_DIST=<folder in apps/web> measures a finished build instead of building one.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "@tradeboard/db";
import { accountId, seedAccounts, sessionCookie } from "./lib/accounts.ts";
import { MARKET_ORDER_BODY } from "./lib/capture.ts";
import { emptyAppFirstLoad, firstLoad, nextBuild, type RouteSize } from "./lib/first-load.ts";
import { startBareForward } from "./lib/hello.ts";
import { type LoadResult, loadAverage, median, runLoad, spread } from "./lib/measure.ts";
import { createDatabase } from "./lib/postgres.ts";
import { freePort, repoRoot, startApi, startWeb } from "./lib/processes.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 10;
const BASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const SECRET = "bench-web-secret-0123456789abcdefghijklmnopqrstu";
/** BENCH_WEB_DIST=.next-e2e (say) measures that finished build instead of building one. */
const REUSE = process.env.BENCH_WEB_DIST;
const DIST = REUSE ?? ".next-bench";
const web = join(repoRoot, "apps/web");
const work = mkdtempSync(join(tmpdir(), "tradeboard-bench-web-"));
const log = (message: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
const startedAt = new Date();
const loadAtStart = loadAverage();

// --- builds and first-load JavaScript ------------------------------------------------------

if (!REUSE) {
  log("next build of apps/web");
  await nextBuild(web, { NEXT_DIST_DIR: DIST }, join(work, "web-build.log"));
}
const apiPort = await freePort();
log("next build of an empty App Router app");
const empty = await emptyAppFirstLoad(join(work, "empty-build.log"));
const pageRoutes = (dist: string) =>
  firstLoad(web, dist).filter((r) => !r.route.startsWith("/api") && !r.route.includes("_global-error"));
const routes = pageRoutes(DIST);
/** BENCH_WEB_BEFORE_DIST=<folder>: another finished build (an earlier commit's) shown beside, against the same empty page. */
const BEFORE = process.env.BENCH_WEB_BEFORE_DIST;
const before = new Map((BEFORE ? pageRoutes(BEFORE) : []).map((r) => [r.route, r]));

// --- forward against direct ----------------------------------------------------------------

const database = await createDatabase(BASE_URL, `bench_web_${process.pid}`);
{
  const seed = await openDatabase({ url: database.url, maxConnections: 2 });
  await seed.migrate();
  await seedAccounts(seed.db, 1, "1000000000000");
  await seed.close();
}
const cookie = await sessionCookie(accountId(1), SECRET);
const webPort = await freePort();
const api = await startApi({
  port: apiPort,
  authSecret: SECRET,
  database: { url: database.url },
  webOrigin: `http://localhost:${webPort}`,
  logFile: join(work, "api.log"),
});
const site = await startWeb({
  port: webPort,
  apiUrl: api.url,
  authSecret: SECRET,
  distDir: DIST,
  logFile: join(work, "web.log"),
});
// The same build under `next start`: every call through Next's route handler (how the forward ran before server.ts).
const nextOnly = await startWeb({
  port: await freePort(),
  apiUrl: api.url,
  authSecret: SECRET,
  distDir: DIST,
  logFile: join(work, "web-next-start.log"),
  server: "next start",
});

// The least a forward on node:http does, as a ceiling for ours (no header rules, timeout or error page).
const bare = await startBareForward(await freePort(), apiPort);

const calls = [
  { name: "GET /api/health (no session; one `select 1`)", path: "/api/health" },
  { name: "GET /api/users/me (session checked, user row read)", path: "/api/users/me", cookies: [cookie] },
  {
    name: "POST /api/trades (a market order)",
    path: "/api/trades",
    method: "POST",
    body: MARKET_ORDER_BODY,
    cookies: [cookie],
  },
] as const;
const results = calls.map(() => ({
  direct: [] as LoadResult[],
  forwarded: [] as LoadResult[],
  routeHandler: [] as LoadResult[],
  bare: [] as LoadResult[],
}));
const measure = (base: string, call: (typeof calls)[number], seconds = SECONDS) =>
  runLoad({
    url: `${base}${call.path}`,
    method: "method" in call ? call.method : "GET",
    body: "body" in call ? call.body : undefined,
    cookies: "cookies" in call ? [...call.cookies] : undefined,
    connections: CONNECTIONS,
    seconds,
  });
log("warm-up");
for (const call of calls) {
  await measure(api.url, call, 2);
  await measure(site.url, call, 2);
  await measure(nextOnly.url, call, 2);
  await measure(bare.url, call, 2);
}
for (let run = 1; run <= RUNS; run++) {
  for (const [i, call] of calls.entries()) {
    log(`run ${run}/${RUNS}: ${call.name}`);
    results[i]?.direct.push(await measure(api.url, call));
    results[i]?.forwarded.push(await measure(site.url, call));
    results[i]?.routeHandler.push(await measure(nextOnly.url, call));
    results[i]?.bare.push(await measure(bare.url, call));
  }
}
await site.stop();
await nextOnly.stop();
await bare.stop();
await api.stop();
await database.drop();
rmSync(work, { recursive: true, force: true });

// --- report ---------------------------------------------------------------------------------

const kB = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;
const met = (ok: boolean) => (ok ? "met" : "**missed**");
const routeRows = routes.map((r: RouteSize) => {
  const ratio = r.gzip / empty.gzip;
  const target = r.route === "/" ? 1.1 : 1.25;
  const was = before.get(r.route);
  const earlier = BEFORE ? ` ${was ? `${kB(was.gzip)} (${(was.gzip / empty.gzip).toFixed(2)}×)` : "—"} |` : "";
  return `| ${r.route} |${earlier} ${kB(r.gzip)} | ${kB(r.raw)} | ${ratio.toFixed(2)}× | ≤ ${target}×: ${met(ratio <= target)} |`;
});
const firstLoadReport = `# First-load JavaScript — ${startedAt.toISOString()}

\`next build\` of apps/web (Next ${nextVersion()}, React ${reactVersion()}), each route's first-load chunks
(\`diagnostics/route-bundle-stats.json\`), gzipped one by one. Baseline: an empty App Router app (app/layout +
app/page) built in the same run with the same packages: **${kB(empty.gzip)}** gzip (${kB(empty.raw)} uncompressed).

${BEFORE ? `"Before" is the build in ${BEFORE} (an earlier commit), measured against the same empty page.\n\n` : ""}| route |${BEFORE ? " before (gzip, ratio) |" : ""} gzip | uncompressed | ratio to the empty page | target |
| --- |${BEFORE ? " ---: |" : ""} ---: | ---: | ---: | --- |
${routeRows.join("\n")}
`;

const rps = (r: readonly LoadResult[]) => r.map((x) => x.requestsPerSecond);
const failures = (r: readonly LoadResult[]) => r.reduce((sum, x) => sum + x.non2xx + x.errors + x.timeouts, 0);
const forwardRows = calls.flatMap((call, i) => {
  const {
    direct,
    forwarded,
    routeHandler,
    bare: bareForward,
  } = results[i] ?? {
    direct: [],
    forwarded: [],
    routeHandler: [],
    bare: [],
  };
  const ratio = median(rps(forwarded)) / median(rps(direct));
  const before = median(rps(routeHandler)) / median(rps(direct));
  const ceiling = median(rps(bareForward)) / median(rps(direct));
  return [
    `| ${call.name} | direct on the api | ${spread(rps(direct))} | 1.00 | ${median(direct.map((r) => r.p50))} | ${median(direct.map((r) => r.p99))} | ${failures(direct)} |`,
    `| | through the web app (server.ts, as \`npm start\` runs it) | ${spread(rps(forwarded))} | **${ratio.toFixed(2)}×** (≥ 0.5: ${met(ratio >= 0.5)}) | ${median(forwarded.map((r) => r.p50))} | ${median(forwarded.map((r) => r.p99))} | ${failures(forwarded)} |`,
    `| | through Next's route handler (\`next start\`: the forward before server.ts) | ${spread(rps(routeHandler))} | ${before.toFixed(2)}× | ${median(routeHandler.map((r) => r.p50))} | ${median(routeHandler.map((r) => r.p99))} | ${failures(routeHandler)} |`,
    `| | through a bare node:http forward (the ceiling of one on node:http) | ${spread(rps(bareForward))} | ${ceiling.toFixed(2)}× | ${median(bareForward.map((r) => r.p50))} | ${median(bareForward.map((r) => r.p99))} | ${failures(bareForward)} |`,
  ];
});
const forwardReport = `# The /api forward — ${startedAt.toISOString()}

The same call made directly on the api and through the web app's \`/api/*\` on a production build (\`next build\`):
as \`npm start\` runs it (server.ts forwards before Next's routing) and, for comparison, under plain \`next start\`
(Next's route handler forwards, as before), and through a bare node:http forward of a dozen lines
([bench/lib/bare-forward.mjs](../lib/bare-forward.mjs): kept-alive connections, the answer piped back, nothing
else), the most any forward written on node:http can reach on this machine. The api runs in its own process (production mode, log level info, Postgres in a database made for the
run); autocannon in its own process, ${CONNECTIONS} connections, ${SECONDS} s per case; medians of ${RUNS} runs,
direct and forwarded interleaved (range in brackets). Two shared cores, other people's tests running
(load average ${loadAtStart} at the start, ${loadAverage()} at the end).

| call | path | req/s | ratio to direct | p50 ms | p99 ms | non-2xx / errors |
| --- | --- | ---: | ---: | ---: | ---: | ---: |
${forwardRows.join("\n")}
`;
console.log(`\n${firstLoadReport}\n${forwardReport}`);
writeFileSync(join(repoRoot, "bench/results/first-load-js.md"), firstLoadReport);
writeFileSync(join(repoRoot, "bench/results/forward.md"), forwardReport);

function nextVersion(): string {
  return JSON.parse(readFileSync(join(repoRoot, "node_modules/next/package.json"), "utf8")).version;
}
function reactVersion(): string {
  return JSON.parse(readFileSync(join(repoRoot, "node_modules/react/package.json"), "utf8")).version;
}
