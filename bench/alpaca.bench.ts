/**
 * How thin the Alpaca adapter is: POST /alpaca/v2/orders (Alpaca's body, key
 * headers, lossless JSON, the answer in Alpaca's shape) against the native
 * POST /api/trades, both placing the same market order, in the same run. The
 * api runs in its own process as in production (NODE_ENV=production,
 * LOG_LEVEL=info, one log line per request to a file); the load generator is
 * the autocannon CLI in its own process. Rounds alternate between the
 * endpoints; medians are reported. Postgres when DATABASE_URL is set (a fresh
 * database), PGlite otherwise.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { encode } from "@auth/core/jwt";
import postgres from "postgres";
import { deriveServiceKey, SERVICE_KEY_HEADER } from "../apps/api/src/auth/service-key.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 10;
const root = fileURLToPath(new URL("..", import.meta.url));
const run = promisify(execFile);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

const driver = process.env.DATABASE_URL ? "postgres" : "pglite";
const secret = randomBytes(32).toString("hex");
const port = await freePort();
const dataDir = mkdtempSync(join(tmpdir(), "tradeboard-alpaca-bench-"));
let databaseUrl: string | undefined;
let admin: postgres.Sql | undefined;
const dbName = `tradeboard_bench_${randomBytes(4).toString("hex")}`;
if (process.env.DATABASE_URL) {
  admin = postgres(process.env.DATABASE_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${dbName}`);
  const url = new URL(process.env.DATABASE_URL);
  url.pathname = `/${dbName}`;
  databaseUrl = url.toString();
}

const logFile = join(dataDir, "api.log");
// Rate limits in memory: the bench measures the adapter, not a Redis round trip.
const { REDIS_URL: _redis, ...inherited } = process.env;
const api: ChildProcess = spawn(process.execPath, ["--import", "tsx", join(root, "apps/api/src/main.ts")], {
  cwd: root,
  env: {
    ...inherited,
    NODE_ENV: "production",
    LOG_LEVEL: "info",
    LOG_PRETTY: "false",
    AUTH_SECRET: secret,
    API_PORT: String(port),
    API_HOST: "127.0.0.1",
    DATA_DIR: dataDir,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    INITIAL_BALANCE: "1000000000",
    MARKET_BACKFILL_DAYS: "1",
    // The bench is one key at full speed: no per-key limit in the way.
    API_KEY_RATE_LIMIT: "1000000",
  },
  stdio: ["ignore", "pipe", "pipe"],
});
const log = createWriteStream(logFile);
api.stdout?.pipe(log);
api.stderr?.pipe(log);
const base = `http://127.0.0.1:${port}`;
let exited = false;
api.once("exit", () => {
  exited = true;
});

async function stopApi() {
  if (exited) return;
  api.kill("SIGTERM");
  await new Promise((resolve) => api.once("exit", resolve));
}

interface Figures {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
}

/** One autocannon CLI run in its own process. */
async function load(path: string, headers: Record<string, string>, body: string): Promise<Figures> {
  const args = [
    join(root, "node_modules/autocannon/autocannon.js"),
    "--json",
    "-c",
    String(CONNECTIONS),
    "-d",
    String(SECONDS),
    "-m",
    "POST",
    ...Object.entries({ ...headers, "content-type": "application/json" }).flatMap(([k, v]) => ["-H", `${k}=${v}`]),
    "-b",
    body,
    `${base}${path}`,
  ];
  const { stdout } = await run(process.execPath, args, { maxBuffer: 64 * 1024 * 1024 });
  const result = JSON.parse(stdout);
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx + result.errors + result.timeouts,
  };
}

const loadBefore = loadavg()[0] ?? 0;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

try {
  for (let i = 0; ; i++) {
    const ok = await fetch(`${base}/api/health`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) break;
    if (i > 600 || exited) throw new Error(`the api did not start; see ${logFile}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const register = await fetch(`${base}/api/users`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "Bench", email: "bench@example.com", password: "bench password 123" }),
  });
  const user = (await register.json()) as { id: string };
  // A signed-in session as the web app opens one at sign-in; its id travels in the cookie.
  const opened = await fetch(`${base}/api/internal/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json", [SERVICE_KEY_HEADER]: deriveServiceKey(secret) },
    body: JSON.stringify({ userId: user.id, userAgent: "bench" }),
  });
  const { sessionId } = (await opened.json()) as { sessionId: string };
  const token = { sub: user.id, sid: sessionId };
  const cookie = `authjs.session-token=${await encode({ token, secret, salt: "authjs.session-token" })}`;
  const created = await fetch(`${base}/api/api-keys`, {
    method: "POST",
    headers: { cookie, "content-type": "application/json" },
    body: JSON.stringify({ name: "bench", scope: "trade" }),
  });
  const key = (await created.json()) as { keyId: string; secret: string };
  const keyHeaders = { "APCA-API-KEY-ID": key.keyId, "APCA-API-SECRET-KEY": key.secret };

  const native = JSON.stringify({ symbol: "BTC-USD", side: "buy", type: "market", quantity: "0.001" });
  const alpaca = JSON.stringify({ symbol: "BTC/USD", side: "buy", type: "market", qty: 0.001, time_in_force: "gtc" });
  const cases = {
    "POST /api/trades, session cookie": () => load("/api/trades", { cookie }, native),
    "POST /api/trades, API key": () => load("/api/trades", keyHeaders, native),
    "POST /alpaca/v2/orders, API key": () => load("/alpaca/v2/orders", keyHeaders, alpaca),
  };
  // Warm-up of every path (JIT, prepared statements, pools).
  for (const measure of Object.values(cases)) await load("/api/health", {}, "{}").then(() => measure());
  const rounds: Record<string, Figures[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, measure] of Object.entries(cases)) rounds[name]?.push(await measure());
  }
  const summary = Object.fromEntries(
    Object.entries(rounds).map(([name, runs]) => [
      name,
      {
        requestsPerSecond: median(runs.map((f) => f.requestsPerSecond)),
        p50: median(runs.map((f) => f.p50)),
        p99: median(runs.map((f) => f.p99)),
        non2xx: runs.reduce((sum, f) => sum + f.non2xx, 0),
        all: runs.map((f) => f.requestsPerSecond),
      },
    ]),
  );
  const baseline = summary["POST /api/trades, API key"]?.requestsPerSecond ?? 1;
  const cookieBaseline = summary["POST /api/trades, session cookie"]?.requestsPerSecond ?? 1;
  const rows = Object.entries(summary).map(
    ([name, f]) =>
      `| ${name} | ${f.requestsPerSecond} (${f.all.join(", ")}) | ${(f.requestsPerSecond / baseline).toFixed(2)} | ${(f.requestsPerSecond / cookieBaseline).toFixed(2)} | ${f.p50} | ${f.p99} | ${f.non2xx} |`,
  );
  const report = `## ${driver} — ${new Date().toISOString()}

The api in its own process (NODE_ENV=production, LOG_LEVEL=info, request lines to a
file), autocannon CLI in its own process: ${CONNECTIONS} connections, ${SECONDS} s per run, ${ROUNDS} rounds
alternating between the endpoints; medians (every run's req/s in brackets). Each request places one market buy
of 0.001 BTC on the same account. Machine load average (1 min, ${cpus().length} cores) ${loadBefore.toFixed(1)} before and
${(loadavg()[0] ?? 0).toFixed(1)} after: other work on the machine makes the absolute figures, and the spread between
runs, what they are; compare the rows of one run.

| endpoint | req/s, median (runs) | ratio to native with the key | ratio to native with the cookie | p50 ms | p99 ms | non-2xx |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join("\n")}

Target: the adapter at ≥ 0.9× the native endpoint.
`;
  console.log(report);
  // One section per database in bench/results/alpaca.md; a run replaces its own.
  const file = new URL("./results/alpaca.md", import.meta.url);
  const previous = existsSync(file) ? readFileSync(file, "utf8") : "";
  const other = driver === "pglite" ? "postgres" : "pglite";
  const kept = previous.split(/^(?=## )/m).find((part) => part.startsWith(`## ${other}`)) ?? "";
  const sections = driver === "pglite" ? [report, kept] : [kept, report];
  writeFileSync(
    file,
    `# alpaca.bench: the Alpaca adapter against the native order endpoint\n\n${sections.filter(Boolean).join("\n")}`,
  );
} finally {
  await stopApi();
  rmSync(dataDir, { recursive: true, force: true });
  if (admin) {
    await admin.unsafe(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  }
}
