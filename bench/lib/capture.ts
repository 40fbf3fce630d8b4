/**
 * Runs the api (its own process, production mode) with its database connection passing
 * through the wire-capture proxy, makes one market order and one order-list request, and
 * returns the statements of each with the account they were made for.
 */
import { openDatabase } from "@tradeboard/db";
import { accountId, seedAccounts, sessionCookie } from "./accounts.ts";
import { createDatabase } from "./postgres.ts";
import { freePort, startApi } from "./processes.ts";
import { type CapturedStatement, startWireCapture } from "./wire-capture.ts";

export const MARKET_ORDER_BODY = JSON.stringify({ symbol: "BTC-USD", side: "buy", type: "market", quantity: "0.001" });

/**
 * The statements one request sent: those with the account's id among their parameters,
 * and the whole transaction around each of them (begin … commit on that connection).
 */
function statementsOf(all: readonly CapturedStatement[], userId: string): CapturedStatement[] {
  const keep = new Set<number>();
  const byConnection = new Map<number, number[]>();
  all.forEach((s, i) => {
    byConnection.set(s.connection, [...(byConnection.get(s.connection) ?? []), i]);
  });
  for (const indexes of byConnection.values()) {
    let block: number[] = [];
    let inTransaction = false;
    const flush = () => {
      if (block.some((i) => all[i]?.params.some((p) => p?.includes(userId)))) for (const i of block) keep.add(i);
      block = [];
    };
    for (const i of indexes) {
      const sql = all[i]?.sql.trim().toLowerCase() ?? "";
      if (sql.startsWith("begin")) {
        flush();
        inTransaction = true;
      }
      block.push(i);
      if (!inTransaction || sql === "commit" || sql === "rollback") {
        inTransaction = false;
        flush();
      }
    }
    flush();
  }
  return [...keep].sort((a, b) => a - b).map((i) => all[i] as CapturedStatement);
}

export async function captureRequestSql(options: { baseUrl: string; logFile: string }) {
  const secret = "bench-capture-secret-0123456789abcdefghijklmnop";
  const created = await createDatabase(options.baseUrl, `bench_capture_${process.pid}`);
  const seed = await openDatabase({ url: created.url, maxConnections: 1 });
  await seed.migrate();
  await seed.analyze();
  await seed.close();
  const pg = new URL(options.baseUrl);
  const capture = await startWireCapture({ host: pg.hostname, port: Number(pg.port || 5432) });
  const proxied = new URL(created.url);
  proxied.hostname = "127.0.0.1";
  proxied.port = String(capture.port);
  const api = await startApi({
    port: await freePort(),
    authSecret: secret,
    database: { url: proxied.toString() },
    logFile: options.logFile,
  });
  try {
    const again = await openDatabase({ url: created.url, maxConnections: 1 });
    await seedAccounts(again.db, 2, "1000000000");
    await again.close();
    const cookies = [await sessionCookie(accountId(1), secret), await sessionCookie(accountId(2), secret)];
    const order = async (account: 1 | 2) => {
      const cookie = cookies[account - 1] ?? "";
      const response = await fetch(`${api.url}/api/trades`, {
        method: "POST",
        headers: { cookie, "content-type": "application/json" },
        body: MARKET_ORDER_BODY,
      });
      if (response.status !== 201)
        throw new Error(`market order answered ${response.status}: ${await response.text()}`);
    };
    const list = async (account: 1 | 2) => {
      const cookie = cookies[account - 1] ?? "";
      const response = await fetch(`${api.url}/api/trades?limit=50`, { headers: { cookie } });
      if (response.status !== 200) throw new Error(`order list answered ${response.status}`);
    };
    const settle = () => new Promise((r) => setTimeout(r, 300));
    const during = async (account: 1 | 2, request: (account: 1 | 2) => Promise<void>) => {
      await settle();
      const from = capture.statements.length;
      await request(account);
      await settle();
      return {
        userId: accountId(account),
        statements: statementsOf(capture.statements.slice(from), accountId(account)),
      };
    };
    // Warm: the statements are prepared by the time the measured request runs, and each measured request
    // comes well within a second of a warm one of its account, so the user row is cached (the api keeps it
    // until the database announces a change to it: no part of a request's own work). The order measured
    // is the first of account 2: a batch of an account the api has not written to runs locked, the whole
    // transaction of one order (a later one runs as one checked statement whose expected values hold once
    // only, so it cannot be replayed as a script).
    await order(1);
    await order(1);
    await list(2);
    const orderSql = await during(2, order);
    await list(1);
    const listSql = await during(1, list);
    return { order: orderSql, list: listSql };
  } finally {
    await api.stop();
    await capture.close();
    await created.drop();
  }
}
