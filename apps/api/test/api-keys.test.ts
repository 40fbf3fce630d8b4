import { DEFAULT_MARKETS } from "@tradeboard/core";
import { apiKeys, type Database, listOrders } from "@tradeboard/db";
import { eq } from "drizzle-orm";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ManualFeed } from "../src/market/feed.ts";
import { signedInUser, testApp, WEB_ORIGIN } from "./helpers/app.ts";
import { openTestDatabase, testDrivers } from "./helpers/database.ts";

const specs = DEFAULT_MARKETS.filter((m) => m.symbol === "BTC-USD");

describe.each(testDrivers)("API keys on %s", (driver) => {
  let database: Database;
  let app: FastifyInstance;
  let feed: ManualFeed;
  let now = Date.now();

  beforeAll(async () => {
    database = await openTestDatabase(driver);
    ({ app, feed } = await testApp(database, {}, { specs, now: () => now }));
    await app.markets.init();
    app.markets.start();
    feed.trade("BTC-USD", "60000.00", { quantity: "1" });
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  const trader = (name: string) => signedInUser(database, name, { usd: "100000" });

  async function createKey(cookie: string, scope: "read" | "trade", name = `${scope} bot`) {
    const res = await app.inject({
      method: "POST",
      url: "/api/api-keys",
      headers: { cookie },
      payload: { name, scope },
    });
    expect(res.statusCode).toBe(201);
    return res.json() as { id: string; keyId: string; secret: string; name: string; scope: string; createdAt: string };
  }

  const withKey = (key: { keyId: string; secret: string }) => ({
    "apca-api-key-id": key.keyId,
    "apca-api-secret-key": key.secret,
  });

  const buy = { symbol: "BTC-USD", side: "buy", type: "market", quantity: "0.01" };

  it("creates a key whose secret is shown once; the list and the database never show it", async () => {
    const { cookie } = await trader("ada");
    const key = await createKey(cookie, "trade", "  grid bot  ");
    expect(key).toMatchObject({ name: "grid bot", scope: "trade" });
    expect(key.keyId).toMatch(/^TB[0-9A-Z]{18}$/);
    // 32 random bytes in base64url
    expect(key.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const list = await app.inject({ method: "GET", url: "/api/api-keys", headers: { cookie } });
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual({
      keys: [
        {
          id: key.id,
          keyId: key.keyId,
          name: "grid bot",
          scope: "trade",
          createdAt: key.createdAt,
          lastUsedAt: null,
          revokedAt: null,
        },
      ],
    });
    expect(list.body).not.toContain(key.secret);
    const [row] = await database.db.select().from(apiKeys).where(eq(apiKeys.id, key.id));
    expect(row?.secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(key.secret);
  });

  it("authenticates native routes by the APCA headers or a Bearer token, as the key's owner", async () => {
    const { id, cookie } = await trader("bea");
    const key = await createKey(cookie, "read");
    const byHeaders = await app.inject({ method: "GET", url: "/api/users/me", headers: withKey(key) });
    expect(byHeaders.statusCode).toBe(200);
    expect(byHeaders.json()).toMatchObject({ id });
    const byBearer = await app.inject({
      method: "GET",
      url: "/api/portfolio",
      headers: { authorization: `Bearer ${key.keyId}:${key.secret}` },
    });
    expect(byBearer.statusCode).toBe(200);
    expect(byBearer.json()).toMatchObject({ equity: "100000.00" });
  });

  it("refuses a read key any change with 403 and writes nothing; a trade key places the order", async () => {
    const { id, user, cookie } = await trader("cid");
    const read = await createKey(cookie, "read");
    const refused = await app.inject({ method: "POST", url: "/api/trades", headers: withKey(read), payload: buy });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toEqual({ error: { code: "forbidden", message: expect.stringContaining("read scope") } });
    expect((await listOrders(database.db, { userId: id, limit: 10, offset: 0 })).rows).toHaveLength(0);

    const trade = await createKey(cookie, "trade");
    const placed = await app.inject({ method: "POST", url: "/api/trades", headers: withKey(trade), payload: buy });
    expect(placed.statusCode).toBe(201);
    expect(placed.json()).toMatchObject({ status: "filled", quantity: "0.01" });
    expect((await listOrders(database.db, { userId: user.id, limit: 10, offset: 0 })).rows).toHaveLength(1);
  });

  it("skips the Origin check for key requests (no ambient credential) and keeps it for cookies", async () => {
    const { cookie } = await trader("dan");
    const key = await createKey(cookie, "trade");
    const foreign = "https://evil.example";
    const byKey = await app.inject({
      method: "POST",
      url: "/api/trades",
      headers: { ...withKey(key), origin: foreign },
      payload: buy,
    });
    expect(byKey.statusCode).toBe(201);
    const byCookie = await app.inject({
      method: "POST",
      url: "/api/trades",
      headers: { cookie, origin: foreign },
      payload: buy,
    });
    expect(byCookie.statusCode).toBe(403);
    expect(byCookie.json().error.code).toBe("cross_origin_refused");
  });

  it("answers 401 JSON for an unknown key, a wrong secret, a missing half and a revoked key", async () => {
    const { cookie } = await trader("eve");
    const key = await createKey(cookie, "trade");
    const cases = [
      { "apca-api-key-id": "TB000000000000000000", "apca-api-secret-key": key.secret },
      { "apca-api-key-id": key.keyId, "apca-api-secret-key": `${key.secret.slice(0, -1)}x` },
      { "apca-api-key-id": key.keyId },
      { authorization: `Bearer ${key.keyId}` },
      { authorization: `Bearer ${key.keyId}:` },
      // A key that fails is never rescued by a cookie on the same request.
      { "apca-api-key-id": key.keyId, "apca-api-secret-key": "wrong", cookie },
    ];
    for (const headers of cases) {
      const res = await app.inject({ method: "GET", url: "/api/portfolio", headers });
      expect(res.statusCode, JSON.stringify(headers)).toBe(401);
      expect(res.json()).toEqual({ error: { code: "unauthorized", message: expect.any(String) } });
    }
    expect((await app.inject({ method: "GET", url: "/api/portfolio", headers: withKey(key) })).statusCode).toBe(200);
    const revoked = await app.inject({ method: "DELETE", url: `/api/api-keys/${key.id}`, headers: { cookie } });
    expect(revoked.statusCode).toBe(204);
    const after = await app.inject({ method: "GET", url: "/api/portfolio", headers: withKey(key) });
    expect(after.statusCode).toBe(401);
    const list = (await app.inject({ method: "GET", url: "/api/api-keys", headers: { cookie } })).json();
    expect(list.keys[0].revokedAt).toEqual(expect.any(String));
    // Revoking twice: the key is no longer active.
    expect(
      (await app.inject({ method: "DELETE", url: `/api/api-keys/${key.id}`, headers: { cookie } })).statusCode,
    ).toBe(404);
  });

  it("manages keys only with the browser session, and only one's own", async () => {
    const owner = await trader("fay");
    const other = await trader("gus");
    const key = await createKey(owner.cookie, "trade");
    const headers = withKey(key);
    const mint = await app.inject({
      method: "POST",
      url: "/api/api-keys",
      headers,
      payload: { name: "x", scope: "trade" },
    });
    expect(mint.statusCode).toBe(403);
    expect((await app.inject({ method: "GET", url: "/api/api-keys", headers })).statusCode).toBe(403);
    expect((await app.inject({ method: "DELETE", url: `/api/api-keys/${key.id}`, headers })).statusCode).toBe(403);
    expect(
      (await app.inject({ method: "POST", url: "/api/alerts/webhook-secret", headers })).statusCode,
      "a key never sees a new webhook secret",
    ).toBe(403);
    for (const [method, url, payload] of [
      ["GET", "/api/users/me/sessions"],
      ["POST", "/api/users/me/sessions/end-others"],
      ["GET", "/api/users/me/sign-in-methods"],
      ["PUT", "/api/users/me/password", { password: "a new password 123" }],
      ["GET", "/api/realtime/token"],
    ] as const) {
      const res = await app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
      expect(res.statusCode, `${method} ${url} with a key`).toBe(403);
    }
    const stolen = await app.inject({
      method: "DELETE",
      url: `/api/api-keys/${key.id}`,
      headers: { cookie: other.cookie },
    });
    expect(stolen.statusCode).toBe(404);
    expect((await app.inject({ method: "GET", url: "/api/portfolio", headers })).statusCode).toBe(200);
    const otherList = (
      await app.inject({ method: "GET", url: "/api/api-keys", headers: { cookie: other.cookie } })
    ).json();
    expect(otherList).toEqual({ keys: [] });
  });

  it("validates the body of POST /api/api-keys", async () => {
    const { cookie } = await trader("hal");
    for (const payload of [{ name: "", scope: "read" }, { name: "x", scope: "admin" }, { name: "x" }, "not json"]) {
      const res = await app.inject({
        method: "POST",
        url: "/api/api-keys",
        headers: { cookie, "content-type": "application/json" },
        payload: typeof payload === "string" ? payload : JSON.stringify(payload),
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toMatch(/validation_failed|invalid_json/);
    }
    expect((await app.inject({ method: "GET", url: "/api/api-keys" })).statusCode).toBe(401);
    expect(
      (await app.inject({ method: "GET", url: "/api/api-keys", headers: { origin: WEB_ORIGIN } })).statusCode,
    ).toBe(401);
  });

  it("writes last_used_at at most once a minute per key", async () => {
    const { cookie } = await trader("ivy");
    const key = await createKey(cookie, "read");
    const lastUsed = async () => {
      const [row] = await database.db.select().from(apiKeys).where(eq(apiKeys.id, key.id));
      return row?.lastUsedAt?.getTime() ?? null;
    };
    const use = async () => {
      expect((await app.inject({ method: "GET", url: "/api/balances", headers: withKey(key) })).statusCode).toBe(200);
    };
    const waitFor = async (expected: number) => {
      for (let i = 0; i < 100 && (await lastUsed()) !== expected; i++) await new Promise((r) => setTimeout(r, 10));
      expect(await lastUsed()).toBe(expected);
    };
    const first = now;
    await use();
    await waitFor(first);
    now += 30_000;
    await use();
    await use();
    // The second and third uses were within the minute: the stored time stays the first.
    await new Promise((r) => setTimeout(r, 50));
    expect(await lastUsed()).toBe(first);
    now += 31_000;
    await use();
    await waitFor(now);
  });
});
