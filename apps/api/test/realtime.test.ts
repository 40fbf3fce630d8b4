import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { DEFAULT_MARKETS } from "@tradeboard/core";
import { type Database, insertUser, users } from "@tradeboard/db";
import { eq } from "drizzle-orm";
import type { FastifyInstance } from "fastify";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { RealtimeTokens } from "../src/auth/realtime-token.ts";
import { ManualFeed } from "../src/market/feed.ts";
import { buildServer } from "../src/server.ts";
import { sessionCookie, TEST_SECRET, testConfig, WEB_ORIGIN } from "./helpers/app.ts";
import { openTestDatabase, testDrivers } from "./helpers/database.ts";
import { TestSocket } from "./helpers/ws-client.ts";

const config = testConfig();

describe.each(testDrivers)("the WebSocket hub on %s", (driver) => {
  let database: Database;
  let app: FastifyInstance;
  let feed: ManualFeed;
  let wsUrl: string;
  const open: TestSocket[] = [];

  const connect = (query = "", headers: Record<string, string> = {}) => welcomed(`${wsUrl}${query}`, open, headers);

  beforeAll(async () => {
    database = await openTestDatabase(driver);
    feed = new ManualFeed();
    app = await buildServer({ database, config, feed, specs: DEFAULT_MARKETS }, { logger: false });
    await app.markets.init();
    app.markets.start();
    await app.listen({ port: 0, host: "127.0.0.1" });
    wsUrl = `ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/ws`;
  });

  afterAll(async () => {
    for (const socket of open) socket.close();
    await app?.close();
    await database?.close();
  });

  it("sends a snapshot on subscribe, then every tick in sequence", async () => {
    const socket = await connect();
    socket.send({ type: "subscribe", channels: ["ticker:BTC-USD"] });
    const subscribed = await socket.next("subscribed");
    const snapshot = await socket.next("ticker");
    expect(snapshot.seq).toBe(subscribed.seq);
    expect(snapshot.data.symbol).toBe("BTC-USD");

    const prices = ["64000.00", "64010.50", "63990.25", "64001.00", "64002.00"];
    for (const price of prices) feed.trade("BTC-USD", price, { quantity: "0.5" });
    const last = await socket.next("ticker", (m) => m.seq === subscribed.seq + prices.length);
    const tickers = socket.messages.filter((m) => m.type === "ticker").slice(1);
    expect(tickers.map((m) => m.seq)).toEqual(prices.map((_, i) => subscribed.seq + i + 1));
    expect(tickers.map((m) => (m.type === "ticker" ? m.data.price : ""))).toEqual(prices);
    expect(last.data.price).toBe("64002.00");
  });

  it("streams the forming candle of an interval and refuses unknown channels", async () => {
    const socket = await connect();
    socket.send({ type: "subscribe", channels: ["candles:ETH-USD:5m", "ticker:NOPE-USD"] });
    await socket.next("subscribed", (m) => m.channel === "candles:ETH-USD:5m");
    const error = await socket.next("error");
    expect(error).toMatchObject({ code: "not_found", channel: "ticker:NOPE-USD" });
    feed.trade("ETH-USD", "3333.33", { quantity: "2" });
    const candle = await socket.next("candle", (m) => m.data.close === "3333.33");
    expect(candle.data.closed).toBe(false);
    expect(Number(candle.data.high) >= Number(candle.data.low)).toBe(true);
  });

  it("answers malformed and unknown messages with an error and stays connected", async () => {
    const socket = await connect();
    socket.send("this is not json");
    socket.send({ type: "dance" });
    socket.send({ type: "subscribe", channels: "ticker:BTC-USD" });
    socket.send({ type: "subscribe", channels: ["ticker:btc-usd"] });
    await socket.next("error", () => socket.messages.filter((m) => m.type === "error").length >= 4);
    expect(
      socket.messages
        .filter((m) => m.type === "error")
        .every((m) => m.type === "error" && m.code === "invalid_message"),
    ).toBe(true);
    socket.send({ type: "ping", id: "still-there" });
    await expect(socket.next("pong")).resolves.toMatchObject({ id: "still-there" });
    expect(socket.closed).toBeUndefined();
  });

  it("closes a connection that floods it with invalid messages", async () => {
    const socket = await connect();
    for (let i = 0; i < 50; i++) socket.send(`garbage ${i}`);
    const closed = await socket.waitClosed();
    expect(closed.code).toBe(1008);
  });

  it("refuses upgrades from an origin that is not allowed", async () => {
    await expect(TestSocket.open(wsUrl, { origin: "http://evil.example" })).rejects.toThrow("HTTP 403");
    const ok = await connect("", { origin: WEB_ORIGIN });
    expect(ok.closed).toBeUndefined();
  });

  it("gives the user channel only to a valid token, and only that user's events", async () => {
    const alice = await insertUser(app.markets ? database.db : database.db, {
      email: `alice-${driver}@example.com`,
      name: "Alice",
      passwordHash: null,
    });
    const bob = await insertUser(database.db, { email: `bob-${driver}@example.com`, name: "Bob", passwordHash: null });

    const anonymous = await connect();
    anonymous.send({ type: "subscribe", channels: ["user"] });
    await expect(anonymous.next("error")).resolves.toMatchObject({ code: "unauthorized", channel: "user" });

    const tokenResponse = await app.inject({
      method: "GET",
      url: "/api/realtime/token",
      headers: { cookie: await sessionCookie(database, { sub: alice.id }) },
    });
    expect(tokenResponse.statusCode).toBe(200);
    const { token } = tokenResponse.json() as { token: string };
    expect((await app.inject({ method: "GET", url: "/api/realtime/token" })).statusCode).toBe(401);

    const aliceSocket = await connect(`?token=${encodeURIComponent(token)}`);
    aliceSocket.send({ type: "subscribe", channels: ["user"] });
    await aliceSocket.next("subscribed", (m) => m.channel === "user");
    const bobSocket = await connect();
    const bobToken = new RealtimeTokens(TEST_SECRET).issue(bob.id, randomUUID()).token;
    bobSocket.send({ type: "auth", token: bobToken });
    await bobSocket.next("authenticated");
    bobSocket.send({ type: "subscribe", channels: ["user"] });
    await bobSocket.next("subscribed", (m) => m.channel === "user");

    app.hub.publishToUser(alice.id, { kind: "test", note: "for alice" });
    const event = await aliceSocket.next("event");
    expect(event.data).toMatchObject({ kind: "test", note: "for alice" });
    bobSocket.send({ type: "ping" });
    await bobSocket.next("pong");
    expect(bobSocket.messages.some((m) => m.type === "event")).toBe(false);

    // Bob's token cannot take over Alice's connection.
    aliceSocket.send({ type: "auth", token: bobToken });
    await expect(aliceSocket.next("error")).resolves.toMatchObject({ code: "forbidden" });
  });

  it("closes a deleted user's sockets at once, as it does an ended session's, and keeps the others'", () =>
    deletedUserLosesTheUserChannel({ database, app, connect, name: driver }));

  it("refuses a wrong, altered or expired token", async () => {
    const user = await insertUser(database.db, {
      email: `carol-${driver}@example.com`,
      name: "Carol",
      passwordHash: null,
    });
    const expired = new RealtimeTokens(TEST_SECRET, 60_000, () => Date.now() - 120_000).issue(
      user.id,
      randomUUID(),
    ).token;
    const otherSecret = new RealtimeTokens("another-secret-entirely-0123456789abcdef").issue(
      user.id,
      randomUUID(),
    ).token;
    const valid = new RealtimeTokens(TEST_SECRET).issue(user.id, randomUUID()).token;
    const altered = `${valid.slice(0, 5)}${valid[5] === "A" ? "B" : "A"}${valid.slice(6)}`;
    for (const token of [expired, otherSecret, altered, "nonsense"]) {
      await expect(TestSocket.open(`${wsUrl}?token=${encodeURIComponent(token)}`)).rejects.toThrow("HTTP 401");
    }
    const socket = await connect();
    socket.send({ type: "auth", token: expired });
    await expect(socket.next("error")).resolves.toMatchObject({ code: "unauthorized" });
  });
});

/** A socket opened on `url` and greeted, kept in `open` to be closed after the tests. */
async function welcomed(url: string, open: TestSocket[], headers: Record<string, string> = {}): Promise<TestSocket> {
  const socket = await TestSocket.open(url, headers);
  open.push(socket);
  await socket.next("welcome");
  return socket;
}

/** Two signed-in sockets on the user channel; one user deleted in the database itself: only that one's closes, at once. */
async function deletedUserLosesTheUserChannel(context: {
  database: Database;
  app: FastifyInstance;
  connect(query: string): Promise<TestSocket>;
  name: string;
}): Promise<void> {
  const { database, app, connect, name: suffix } = context;
  const signedInSocket = async (name: string) => {
    const user = await insertUser(database.db, { email: `${name}-${suffix}@example.com`, name, passwordHash: null });
    const response = await app.inject({
      method: "GET",
      url: "/api/realtime/token",
      headers: { cookie: await sessionCookie(database, { sub: user.id }) },
    });
    const socket = await connect(`?token=${encodeURIComponent((response.json() as { token: string }).token)}`);
    socket.send({ type: "subscribe", channels: ["user"] });
    await socket.next("subscribed", (m) => m.channel === "user");
    return { user, socket };
  };
  const carol = await signedInSocket("carol");
  const dave = await signedInSocket("dave");

  // Deleted in the database itself (by an operator, or another api instance): the token has a minute to run.
  await database.db.delete(users).where(eq(users.id, carol.user.id));
  await expect(carol.socket.next("error")).resolves.toMatchObject({ code: "unauthorized", channel: "user" });
  expect((await carol.socket.waitClosed(2_000)).code).toBe(4001);

  app.hub.publishToUser(dave.user.id, { kind: "test", note: "still here" });
  await expect(dave.socket.next("event")).resolves.toMatchObject({ data: { note: "still here" } });
}

// Without the user cache (every request reads its user) the sockets still learn of a deleted user from the database.
describe.each(testDrivers)("the WebSocket hub on %s with USER_CACHE_MS=0", (driver) => {
  let database: Database;
  let app: FastifyInstance;
  const open: TestSocket[] = [];
  beforeAll(async () => {
    database = await openTestDatabase(driver);
    app = await buildServer(
      { database, config: testConfig({ USER_CACHE_MS: 0 }), feed: new ManualFeed(), specs: DEFAULT_MARKETS },
      { logger: false },
    );
    await app.listen({ port: 0, host: "127.0.0.1" });
  });
  afterAll(async () => {
    for (const socket of open) socket.close();
    await app?.close();
    await database?.close();
  });

  it("closes a deleted user's sockets at once", () =>
    deletedUserLosesTheUserChannel({
      database,
      app,
      name: `${driver}-uncached`,
      connect: (query) => welcomed(`ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/ws${query}`, open),
    }));
});

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("a slow client", () => {
  const allChannels = ["ticker:BTC-USD", ...["1m", "5m", "15m", "1h", "4h", "1d"].map((i) => `candles:BTC-USD:${i}`)];
  let database: Database;
  let app: FastifyInstance;
  let feed: ManualFeed;
  let wsUrl: string;

  beforeAll(async () => {
    database = await openTestDatabase("pglite");
    feed = new ManualFeed();
    app = await buildServer({
      database,
      config,
      feed,
      specs: DEFAULT_MARKETS.filter((m) => m.symbol === "BTC-USD"),
      hubOptions: { maxBufferedBytes: 16 * 1024, stuckTimeoutMs: 2_000 },
    });
    await app.markets.init();
    app.markets.start();
    await app.listen({ port: 0, host: "127.0.0.1" });
    wsUrl = `ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/ws`;
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  it("does not hold back a fast one, gets only the latest value, and is dropped when stuck", async () => {
    const fast = await TestSocket.open(wsUrl);
    fast.send({ type: "subscribe", channels: ["ticker:BTC-USD"] });
    await fast.next("ticker");
    // The slow one takes every channel of the market, so it is sent far more than the
    // kernel's socket buffers hold, and the excess has to wait in the server.
    const slow = await TestSocket.open(wsUrl);
    slow.send({ type: "subscribe", channels: allChannels });
    await slow.next("ticker");
    // The slow reader stops reading from its TCP socket: the server's send buffer fills up.
    const raw = (slow.socket as unknown as { _socket: { pause(): void } })._socket;
    raw.pause();

    const ticks = 20_000;
    const start = fast.messages.filter((m) => m.type === "ticker").at(-1)?.seq ?? 0;
    // In batches, yielding between them so the fast reader (in this same process) gets to read.
    for (let i = 0; i < ticks; i++) {
      feed.trade("BTC-USD", `${60000 + (i % 1000)}.00`, { quantity: "0.001" });
      if (i % 25 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await fast.next("ticker", (m) => m.seq === start + ticks, 20_000);
    const fastSeqs = fast.messages.filter((m) => m.type === "ticker").map((m) => m.seq);
    // Every tick reached the fast reader, in order, with no gap.
    expect(fastSeqs.slice(-ticks)).toEqual(Array.from({ length: ticks }, (_, i) => start + i + 1));

    // The slow one never catches up and is dropped rather than buffered forever.
    // (Its own side cannot notice while it does not read, so ask the server.)
    await until(() => app.hub.connectionCount === 1, 10_000);
    expect(app.hub.slowConnectionCount).toBe(0);
    fast.close();
    slow.close();
  });

  it("a reader that was slow only for a while gets the latest value and a visible gap", async () => {
    const reader = await TestSocket.open(wsUrl);
    reader.send({ type: "subscribe", channels: allChannels });
    const first = await reader.next("ticker");
    const raw = (reader.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    raw.pause();
    // Publish until the server notices the reader is behind, then a little more.
    let ticks = 0;
    for (let extra = 100; extra > 0; ticks++) {
      feed.trade("BTC-USD", `${61000 + (ticks % 100)}.00`, { quantity: "0.001" });
      if (app.hub.slowConnectionCount > 0) extra--;
      if (ticks % 25 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    feed.trade("BTC-USD", "65432.10", { quantity: "0.001" });
    raw.resume();
    const latest = await reader.next("ticker", (m) => m.data.price === "65432.10", 10_000);
    expect(latest.seq).toBe(first.seq + ticks + 1);
    const seqs = reader.messages.filter((m) => m.type === "ticker").map((m) => m.seq);
    // Conflated: fewer messages than ticks, so the client can see the gap and refetch.
    expect(seqs.length).toBeLessThan(ticks + 1);
    reader.close();
  });
});

describe("heartbeats", () => {
  let database: Database;
  let app: FastifyInstance;
  let wsUrl: string;

  beforeAll(async () => {
    database = await openTestDatabase("pglite");
    app = await buildServer({
      database,
      config,
      feed: new ManualFeed(),
      specs: DEFAULT_MARKETS.filter((m) => m.symbol === "BTC-USD"),
      hubOptions: { heartbeatMs: 150 },
    });
    await app.markets.init();
    await app.listen({ port: 0, host: "127.0.0.1" });
    wsUrl = `ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/ws`;
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  it("keep a live client connected and drop one that stops answering", async () => {
    const live = await TestSocket.open(wsUrl);
    const dead = await TestSocket.open(wsUrl);
    const welcome = await live.next("welcome");
    expect(welcome.heartbeatMs).toBe(150);
    // A client whose process hangs answers no pings: its socket is never read again.
    (dead.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    await until(() => app.hub.connectionCount === 1, 5_000);
    // The live one answered every ping and is still there; the server answers its pings too.
    live.send({ type: "ping", id: "after-heartbeats" });
    await expect(live.next("pong", (m) => m.id === "after-heartbeats")).resolves.toBeDefined();
    expect(live.closed).toBeUndefined();
    live.close();
    dead.close();
  });
});

/** Stops reading from the socket (as a client that never reads would); it can still write. */
function stopReading(socket: TestSocket): void {
  (socket.socket as unknown as { _socket: { pause(): void } })._socket.pause();
}

describe("a client that sends but never reads", () => {
  let database: Database;
  let app: FastifyInstance;
  let wsUrl: string;

  async function start(hubOptions: Parameters<typeof buildServer>[0]["hubOptions"]) {
    database = await openTestDatabase("pglite");
    app = await buildServer({
      database,
      config,
      feed: new ManualFeed(),
      specs: DEFAULT_MARKETS.filter((m) => m.symbol === "BTC-USD"),
      hubOptions,
    });
    await app.markets.init();
    await app.listen({ port: 0, host: "127.0.0.1" });
    wsUrl = `ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/ws`;
  }
  afterEach(async () => {
    await app?.close();
    await database?.close();
  });

  it("is dropped when the answers to its own messages pile up unread", async () => {
    await start({ maxBufferedBytes: 16 * 1024, stuckTimeoutMs: 300, maxMessages: 1_000_000 });
    const socket = await TestSocket.open(wsUrl);
    await socket.next("welcome");
    stopReading(socket);
    // Each message asks for 100 answers (no such channel); none of them is ever read.
    const channels = Array.from({ length: 100 }, (_, i) => `ticker:X${i}-USD`);
    for (let i = 0; i < 2_000 && app.hub.connectionCount > 0; i++) {
      socket.send({ type: "subscribe", channels });
      if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await until(() => app.hub.connectionCount === 0, 10_000);
    socket.socket.terminate();
  });

  it("is not kept alive by pongs the server did not ask for", async () => {
    await start({ heartbeatMs: 100 });
    const socket = await TestSocket.open(wsUrl);
    await socket.next("welcome");
    stopReading(socket);
    // It never reads a ping, but sends pongs of its own all the time.
    const timer = setInterval(() => socket.socket.pong(), 10);
    try {
      await until(() => app.hub.connectionCount === 0, 5_000);
    } finally {
      clearInterval(timer);
      socket.socket.terminate();
    }
  });

  it("is closed when it sends more messages than the limit allows", async () => {
    await start({ maxMessages: 20, messageWindowMs: 60_000 });
    const socket = await TestSocket.open(wsUrl);
    await socket.next("welcome");
    for (let i = 0; i < 50; i++) socket.send({ type: "ping", id: `p${i}` });
    const closed = await socket.waitClosed();
    expect(closed).toEqual({ code: 1008, reason: "too many messages" });
    expect(socket.messages.filter((m) => m.type === "pong")).toHaveLength(20);
  });

  it("may open only so many connections from one address (the forwarded one behind a trusted proxy)", async () => {
    await start({ maxConnectionsPerAddress: 2 });
    const first = await TestSocket.open(wsUrl);
    const second = await TestSocket.open(wsUrl);
    await expect(TestSocket.open(wsUrl)).rejects.toThrow("HTTP 429");
    // The test connects over loopback, a trusted proxy by default: its X-Forwarded-For counts.
    const proxied = { "x-forwarded-for": "203.0.113.9" };
    const elsewhere = [await TestSocket.open(wsUrl, proxied), await TestSocket.open(wsUrl, proxied)];
    await expect(TestSocket.open(wsUrl, proxied)).rejects.toThrow("HTTP 429");
    first.close();
    await first.waitClosed();
    await until(() => app.hub.connectionCount === 3, 5_000);
    const again = await TestSocket.open(wsUrl);
    for (const socket of [second, again, ...elsewhere]) socket.close();
  });
});

describe("the user channel over time", () => {
  let database: Database;
  let app: FastifyInstance;
  let wsUrl: string;
  let clock = Date.parse("2026-03-01T12:00:00Z");

  beforeAll(async () => {
    database = await openTestDatabase("pglite");
    app = await buildServer({
      database,
      config,
      feed: new ManualFeed(),
      specs: DEFAULT_MARKETS.filter((m) => m.symbol === "BTC-USD"),
      now: () => clock,
      hubOptions: { heartbeatMs: 50 },
    });
    await app.markets.init();
    await app.listen({ port: 0, host: "127.0.0.1" });
    wsUrl = `ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/ws`;
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  async function token(cookie: string): Promise<string> {
    const response = await app.inject({ method: "GET", url: "/api/realtime/token", headers: { cookie } });
    expect(response.statusCode).toBe(200);
    return (response.json() as { token: string }).token;
  }

  it("ends with the token: after it expires nothing private arrives until the socket authenticates again", async () => {
    const user = await insertUser(database.db, { email: "expiry@example.com", name: "Expiry", passwordHash: null });
    const cookie = await sessionCookie(database, { sub: user.id });
    const socket = await TestSocket.open(`${wsUrl}?token=${encodeURIComponent(await token(cookie))}`);
    socket.send({ type: "subscribe", channels: ["user"] });
    await socket.next("subscribed", (m) => m.channel === "user");
    app.hub.publishToUser(user.id, { kind: "test", note: "while valid" });
    await socket.next("event", (m) => m.data.note === "while valid");

    clock += 61_000; // past the token's 60 s
    await expect(socket.next("error", (m) => m.channel === "user")).resolves.toMatchObject({ code: "token_expired" });
    app.hub.publishToUser(user.id, { kind: "test", note: "after expiry" });
    socket.send({ type: "ping", id: "after-expiry" });
    await socket.next("pong", (m) => m.id === "after-expiry");
    expect(socket.messages.some((m) => m.type === "event" && m.data.note === "after expiry")).toBe(false);
    expect(socket.closed).toBeUndefined();

    socket.send({ type: "auth", token: await token(cookie) });
    await socket.next("authenticated");
    socket.send({ type: "subscribe", channels: ["user"] });
    await socket.next(
      "subscribed",
      (m) => m.channel === "user" && socket.messages.filter((x) => x.type === "subscribed").length === 2,
    );
    app.hub.publishToUser(user.id, { kind: "test", note: "renewed" });
    await socket.next("event", (m) => m.data.note === "renewed");
    socket.close();
  });

  it("keeps a user's sequence only while the user has a socket", async () => {
    // The other test's socket is gone first.
    await until(() => app.hub.connectionCount === 0, 5_000);
    const before = app.hub.trackedUserCount;
    expect(before).toBe(0);
    for (let i = 0; i < 100; i++) app.hub.publishToUser(randomUUID(), { kind: "test" });
    expect(app.hub.trackedUserCount).toBe(before);
    const user = await insertUser(database.db, { email: "seq@example.com", name: "Seq", passwordHash: null });
    const cookie = await sessionCookie(database, { sub: user.id });
    const socket = await TestSocket.open(`${wsUrl}?token=${encodeURIComponent(await token(cookie))}`);
    socket.send({ type: "subscribe", channels: ["user"] });
    await socket.next("subscribed", (m) => m.channel === "user");
    app.hub.publishToUser(user.id, { kind: "test", note: "one" });
    await socket.next("event", (m) => m.seq === 1);
    expect(app.hub.trackedUserCount).toBe(before + 1);
    socket.close();
    await until(() => app.hub.connectionCount === 0, 5_000);
    expect(app.hub.trackedUserCount).toBe(before);
  });
});
