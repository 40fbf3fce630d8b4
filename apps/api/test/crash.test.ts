import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cashFor, Decimal } from "@tradeboard/core";
import { type Database, fills, listBalances, openDatabase, sumLedger } from "@tradeboard/db";
import { eq } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { signedInUser, TEST_SECRET, WEB_ORIGIN } from "./helpers/app.ts";
import { testDrivers } from "./helpers/database.ts";

const apiDir = fileURLToPath(new URL("../", import.meta.url));
const CONNECTIONS = 20;
const START = "100000";

/** Where the api keeps its data between the two runs: a PGlite directory, or a Postgres database. */
type Store = { env: Record<string, string>; open(): Promise<Database>; drop(): Promise<void> };

async function makeStore(driver: "pglite" | "postgres"): Promise<Store> {
  if (driver === "pglite") {
    const dir = mkdtempSync(join(tmpdir(), "tradeboard-crash-"));
    return {
      env: { DATA_DIR: dir },
      open: () => openDatabase({ dataDir: join(dir, "pglite") }),
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const base = process.env.DATABASE_URL ?? "";
  const name = `tradeboard_crash_${randomBytes(6).toString("hex")}`;
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    env: { DATABASE_URL: url.toString() },
    open: () => openDatabase({ url: url.toString() }),
    drop: async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/** The api as production runs it, in its own process, on the store; prices set by hand (NODE_ENV=test). */
async function startApi(store: Store): Promise<{ url: string; child: ChildProcess }> {
  // The store's own settings only: a DATABASE_URL of this test run must not reach a PGlite api.
  const { DATABASE_URL: _, DATA_DIR: __, ...inherited } = process.env;
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: apiDir,
    env: {
      ...inherited,
      ...store.env,
      NODE_ENV: "test",
      API_PORT: "0",
      AUTH_SECRET: TEST_SECRET,
      WEB_ORIGIN,
      MARKET_FEED: "manual",
      MARKET_STALE_SECONDS: "3600",
      MARKET_BACKFILL_DAYS: "1",
      LOG_LEVEL: "info",
      FEE_RATE: "0.001",
      SLIPPAGE_RATE: "0.0005",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`api exited (${code}) before listening:\n${output}`)));
  });
  return { url, child };
}

function killed(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

describe.each(testDrivers)("an api killed with SIGKILL part-way through market orders, on %s", (driver) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it("keeps every answered order filled, balances equal to the fills, and resting orders alive", async () => {
    const store = await makeStore(driver);
    cleanups.push(() => store.drop());
    const seed = await store.open();
    await seed.migrate();
    const traders = [];
    for (let i = 0; i < CONNECTIONS; i++) traders.push(await signedInUser(seed, `crash-${i}`, { usd: START }));
    const resting = await signedInUser(seed, "resting", { usd: START });
    await seed.close();

    let api = await startApi(store);
    cleanups.push(async () => {
      api.child.kill("SIGKILL");
      await killed(api.child);
    });
    const post = (base: string, path: string, cookie: string | null, body: object) =>
      fetch(`${base}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) },
        body: JSON.stringify(body),
      });
    expect((await post(api.url, "/api/test/trades", null, { symbol: "BTC-USD", price: "60000.00" })).status).toBe(204);
    const limit = await post(api.url, "/api/trades", resting.cookie, {
      symbol: "BTC-USD",
      side: "buy",
      type: "limit",
      quantity: "0.5",
      limitPrice: "59000.00",
    });
    expect(limit.status).toBe(201);
    const limitId = ((await limit.json()) as { id: string }).id;

    // 20 connections place market orders until the process is killed under them.
    const answered: { trader: number; clientOrderId: string }[] = [];
    let stop = false;
    const loops = traders.map(async (trader, i) => {
      while (!stop) {
        const clientOrderId = randomUUID();
        try {
          const res = await post(api.url, "/api/trades", trader.cookie, {
            symbol: "BTC-USD",
            side: "buy",
            type: "market",
            quantity: "0.001",
            clientOrderId,
          });
          if (res.status >= 200 && res.status < 300) answered.push({ trader: i, clientOrderId });
          else if (!stop) throw new Error(`order answered ${res.status}: ${await res.text()}`);
        } catch (error) {
          if (!stop) throw error;
        }
      }
    });
    while (answered.length < 300) await new Promise((r) => setTimeout(r, 20));
    api.child.kill("SIGKILL");
    stop = true;
    await Promise.all(loops);
    await killed(api.child);
    const beforeKill = answered.length;

    api = await startApi(store);
    // Resting orders placed before the kill are back in the index and fire on the next cross.
    expect((await post(api.url, "/api/test/trades", null, { symbol: "BTC-USD", price: "58900.00" })).status).toBe(204);
    const get = async (path: string, cookie: string) =>
      (await fetch(`${api.url}${path}`, { headers: { cookie } })).json() as Promise<Record<string, unknown>>;
    expect(await get(`/api/trades/${limitId}`, resting.cookie)).toMatchObject({ status: "filled" });

    // Every answered order is there and filled.
    for (const a of answered) {
      const trader = traders[a.trader];
      if (!trader) throw new Error("no trader");
      expect(await get(`/api/trades/by-client-id/${a.clientOrderId}`, trader.cookie)).toMatchObject({
        status: "filled",
      });
    }
    api.child.kill("SIGTERM");
    await killed(api.child);

    // The books: per trader, BTC equals the filled quantity, USD the start less what the fills cost.
    const db = await store.open();
    try {
      for (const trader of [...traders, resting]) {
        const list = await db.db.select().from(fills).where(eq(fills.userId, trader.id));
        let btc = new Decimal(0);
        let usd = new Decimal(START);
        for (const f of list) {
          btc = btc.plus(f.quantity);
          usd = usd.minus(cashFor(new Decimal(f.price).times(f.quantity), "buy", "USD")).minus(f.fee);
        }
        const balances = await listBalances(db.db, { userId: trader.id });
        const total = (asset: string) => {
          const row = balances.find((b) => b.asset === asset);
          return new Decimal(row?.available ?? 0).plus(row?.held ?? 0).toFixed();
        };
        expect(total("BTC")).toBe(btc.toFixed());
        expect(total("USD")).toBe(usd.toFixed());
        const sums = await sumLedger(db.db, { userId: trader.id });
        for (const b of balances) {
          const sum = sums.find((s) => s.asset === b.asset);
          expect(new Decimal(sum?.available ?? 0).toFixed()).toBe(new Decimal(b.available).toFixed());
        }
      }
    } finally {
      await db.close();
    }
    expect(beforeKill).toBeGreaterThanOrEqual(300);
  }, 240_000);
});
