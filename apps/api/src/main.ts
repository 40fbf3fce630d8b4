import { join } from "node:path";
import { openDatabase } from "@tradeboard/db";
import pino from "pino";
import { loadConfig } from "./env.ts";
import { buildServer } from "./server.ts";
import { DEMO_ACCOUNT, seedDemoAccount } from "./services/users.ts";

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}

const logger = {
  level: config.LOG_LEVEL,
  redact: ["req.headers.cookie", "req.headers.authorization", "req.headers['x-tradeboard-service-key']"],
  ...(config.LOG_PRETTY
    ? {
        transport: {
          target: "pino-pretty",
          options: { translateTime: "HH:MM:ss", ignore: "pid,hostname", singleLine: true },
        },
      }
    : // Written to stdout off the request's path: pino's default destination writes each line with a
      // blocking write(2) on the event loop (a slow disk or a full pipe would stall every request behind
      // it); this one hands the writes to libuv. Handing over a write costs the process about 25 µs of
      // CPU here (a thread's wake-up and its answer), twenty times a blocking write to a file, so lines
      // are handed over 4 KB at a time (about 30 request lines), and at least every 100 ms when fewer
      // come. Lines still queued are written at exit (pino flushes its destination then); a SIGKILL
      // loses them, at most those 100 ms.
      { stream: pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 100 }) }),
};

const database = await openDatabase(
  config.DATABASE_URL ? { url: config.DATABASE_URL } : { dataDir: join(config.DATA_DIR, "pglite") },
);
await database.migrate();
// PGlite has no autovacuum: the api does its part, analyzing each table that changed enough since its
// last analysis (at start, then every 10 seconds). Analyzing everything once at start, as before, left
// a fresh database with the statistics of empty tables, and plans that read whole tables, slower with
// every order (on a fresh database, market orders at 50 connections ran at 700/s instead of 3,500/s).
const analyzeTimer =
  database.driver === "pglite"
    ? setInterval(() => void database.analyzeChanged().catch(() => {}), 10_000).unref()
    : undefined;
if (database.driver === "pglite") await database.analyzeChanged();

const app = await buildServer({ database, config }, { logger });
const where =
  database.driver === "postgres" ? "Postgres (DATABASE_URL)" : `PGlite in ${join(config.DATA_DIR, "pglite")}`;
app.log.info(`database: ${where}, migrations applied`);

if (config.SEED_DEMO) {
  const seeded = await seedDemoAccount({ db: database.db, initialBalance: config.INITIAL_BALANCE });
  app.log.info(
    `demo admin ${seeded === "created" ? "created" : "ready"}: email ${DEMO_ACCOUNT.email}  password ${DEMO_ACCOUNT.password}`,
  );
}

await app.markets.init();
const resting = await app.trading.rebuild();
const armed = await app.alerts.rebuild();
app.log.info(`trigger indexes rebuilt: ${resting} resting orders, ${armed} active alerts`);
await app.listen({ port: config.API_PORT, host: config.API_HOST });
app.markets.start();
app.log.info(`market feed: ${config.MARKET_FEED}, ${app.markets.list().length} markets, WebSocket at /ws`);

let closing = false;
async function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  app.log.info(`${signal}: shutting down`);
  clearInterval(analyzeTimer);
  await app.close();
  await database.close();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
