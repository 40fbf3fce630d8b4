import { randomUUID } from "node:crypto";
import type { Database } from "@tradeboard/db";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryRateLimiter } from "../src/services/rate-limit.ts";
import { signedInUser, testApp } from "./helpers/app.ts";
import { openTestDatabase } from "./helpers/database.ts";

const stores = process.env.REDIS_URL ? (["memory", "redis"] as const) : (["memory"] as const);

describe.each(stores)("per-key rate limits (%s)", (store) => {
  let database: Database;
  let app: FastifyInstance;
  let twin: FastifyInstance;
  let now = Date.now();
  // A prefix of its own, so runs never share counts.
  const overrides = {
    API_KEY_RATE_LIMIT: 3,
    ...(store === "redis" ? { REDIS_URL: process.env.REDIS_URL, REDIS_KEY_PREFIX: `test-${randomUUID()}:` } : {}),
  };

  beforeAll(async () => {
    database = await openTestDatabase("pglite");
    ({ app } = await testApp(database, overrides, { now: () => now }));
    // A second api instance on the same database (and, with Redis, the same counts).
    ({ app: twin } = await testApp(database, overrides, { now: () => now }));
  });
  afterAll(async () => {
    await app?.close();
    await twin?.close();
    await database?.close();
  });

  async function key() {
    const { cookie } = await signedInUser(database, "limited", { usd: "1000" });
    const res = await app.inject({
      method: "POST",
      url: "/api/api-keys",
      headers: { cookie },
      payload: { name: "b", scope: "read" },
    });
    const k = res.json() as { keyId: string; secret: string };
    return { "apca-api-key-id": k.keyId, "apca-api-secret-key": k.secret };
  }

  it("allows the limit per minute, then answers 429 with Retry-After and the X-RateLimit headers", async () => {
    const headers = await key();
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await app.inject({ method: "GET", url: "/api/balances", headers });
      expect(res.statusCode).toBe(200);
      expect(res.headers["x-ratelimit-limit"]).toBe("3");
      remaining.push(String(res.headers["x-ratelimit-remaining"]));
      expect(Number(res.headers["x-ratelimit-reset"])).toBeGreaterThanOrEqual(Math.floor(now / 1000));
    }
    expect(remaining).toEqual(["2", "1", "0"]);
    const limited = await app.inject({ method: "GET", url: "/api/balances", headers });
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe("rate_limited");
    expect(Number(limited.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers["retry-after"])).toBeLessThanOrEqual(60);
    expect(limited.headers["x-ratelimit-remaining"]).toBe("0");
    const alpaca = await app.inject({ method: "GET", url: "/alpaca/v2/account", headers });
    expect(alpaca.statusCode).toBe(429);
    expect(alpaca.json()).toEqual({ code: 42910000, message: "rate limit exceeded" });
    expect(alpaca.headers["retry-after"]).toEqual(expect.any(String));
    // Another key has its own budget; the browser session has none of these limits.
    const other = await key();
    expect((await app.inject({ method: "GET", url: "/api/balances", headers: other })).statusCode).toBe(200);
  });

  it(store === "redis" ? "shares one count between api instances" : "keeps a count per api instance", async () => {
    const headers = await key();
    for (let i = 0; i < 2; i++)
      expect((await app.inject({ method: "GET", url: "/api/balances", headers })).statusCode).toBe(200);
    const onTwin = [];
    for (let i = 0; i < 2; i++)
      onTwin.push((await twin.inject({ method: "GET", url: "/api/balances", headers })).statusCode);
    expect(onTwin).toEqual(store === "redis" ? [200, 429] : [200, 200]);
  });

  if (store === "memory") {
    it("starts a new window after a minute", async () => {
      const headers = await key();
      for (let i = 0; i < 3; i++) await app.inject({ method: "GET", url: "/api/balances", headers });
      expect((await app.inject({ method: "GET", url: "/api/balances", headers })).statusCode).toBe(429);
      now += 60_001;
      const res = await app.inject({ method: "GET", url: "/api/balances", headers });
      expect(res.statusCode).toBe(200);
      expect(res.headers["x-ratelimit-remaining"]).toBe("2");
    });
  }
});

describe("MemoryRateLimiter", () => {
  it("keeps at most maxKeys windows, expired ones dropped first", async () => {
    let now = 0;
    const limiter = new MemoryRateLimiter({ limit: 1, windowMs: 1_000, maxKeys: 10 }, () => now);
    for (let i = 0; i < 1_000; i++) await limiter.hit(`key-${i}`);
    expect(limiter.size).toBe(10);
    // The newest keys are still counted: a second hit is over the limit of 1.
    expect((await limiter.hit("key-999")).allowed).toBe(false);
    now = 5_000;
    expect((await limiter.hit("key-999")).allowed).toBe(true);
  });
});
