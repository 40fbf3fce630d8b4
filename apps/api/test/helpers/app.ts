import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { encode } from "@auth/core/jwt";
import type { MarketSpec } from "@tradeboard/core";
import { type Database, insertSession, insertUser, postLedgerEntry } from "@tradeboard/db";
import type { FastifyInstance } from "fastify";
import { ManualFeed } from "../../src/market/feed.ts";
import { buildServer, type ServerConfig } from "../../src/server.ts";
import { openTestDatabase, type TestDriver } from "./database.ts";

export const TEST_SECRET = "api-test-secret-0123456789-abcdefghijklmnop";
export const WEB_ORIGIN = "http://localhost:3000";

export function testConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  return {
    AUTH_SECRET: TEST_SECRET,
    WEB_ORIGIN,
    CORS_ORIGINS: [],
    INITIAL_BALANCE: "100000",
    LOGIN_MAX_FAILURES_PER_EMAIL: 5,
    LOGIN_MAX_FAILURES_PER_IP: 30,
    LOGIN_WINDOW_SECONDS: 900,
    TRUST_PROXY: "loopback",
    MARKET_BACKFILL_DAYS: 1,
    // Test files open many accounts from one address; the limit itself is tested with a low value.
    REGISTRATIONS_PER_IP: 10_000,
    ...overrides,
  };
}

/** The api as main.ts builds it, on the given database, with prices set by hand. */
export async function testApp(
  database: Database,
  overrides: Partial<ServerConfig> = {},
  options: { specs?: readonly MarketSpec[]; now?: () => number } = {},
) {
  const feed = new ManualFeed();
  const app: FastifyInstance = await buildServer({
    database,
    config: testConfig(overrides),
    feed,
    specs: options.specs,
    now: options.now,
  });
  return { app, feed };
}

/**
 * A session cookie exactly as Auth.js writes it: a JWE keyed by the secret,
 * salted with the cookie name, carrying a session id as the web app's sign-in
 * does (a new session row, unless `sid` is given; `sid: null` leaves it out).
 */
export async function sessionCookie(
  database: Database,
  claims: { sub: string; sid?: string | null; [key: string]: unknown },
  options: { secret?: string; maxAge?: number; name?: string } = {},
): Promise<string> {
  const name = options.name ?? "authjs.session-token";
  const sid =
    claims.sid === undefined
      ? (await insertSession(database.db, { userId: claims.sub, userAgent: "api test", now: new Date() })).id
      : claims.sid;
  const { sid: _, ...rest } = claims;
  const token = await encode({
    token: sid === null ? rest : { ...rest, sid },
    secret: options.secret ?? TEST_SECRET,
    salt: name,
    maxAge: options.maxAge,
  });
  return `${name}=${token}`;
}

/**
 * A fresh database and the api on it, with history prepared, the indexes
 * rebuilt and the manual feed running; `listen` also opens a real port (for
 * WebSocket tests).
 */
export async function startTestApp(
  options: {
    driver?: TestDriver;
    overrides?: Partial<ServerConfig>;
    specs?: readonly MarketSpec[];
    listen?: boolean;
    /** The server's clock (expiries, pauses, limits); the feed's trades keep the wall clock's time. */
    now?: () => number;
  } = {},
) {
  const database = await openTestDatabase(options.driver ?? "pglite");
  const { app, feed } = await testApp(database, options.overrides, { specs: options.specs, now: options.now });
  await app.markets.init();
  await app.trading.rebuild();
  await app.alerts.rebuild();
  app.markets.start();
  let wsUrl = "";
  if (options.listen) {
    await app.listen({ port: 0, host: "127.0.0.1" });
    wsUrl = `ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/ws`;
  }
  return {
    database,
    app,
    feed,
    wsUrl,
    async stop() {
      await app.close();
      await database.close();
    },
  };
}

/** A new user (unique email) with its session cookie, and optionally a starting USD balance as a ledger entry. */
export async function signedInUser(database: Database, name: string, options: { usd?: string } = {}) {
  const user = await insertUser(database.db, {
    email: `${name}-${randomUUID()}@example.com`,
    name,
    passwordHash: null,
  });
  if (options.usd) {
    await postLedgerEntry(database.db, {
      userId: user.id,
      asset: "USD",
      kind: "initial_deposit",
      availableDelta: options.usd,
    });
  }
  return { id: user.id, user, cookie: await sessionCookie(database, { sub: user.id }) };
}
