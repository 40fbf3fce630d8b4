import { createHmac, randomUUID } from "node:crypto";
import type { LookupOptions, lookup } from "node:dns";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo, LookupFunction } from "node:net";
import { DEFAULT_MARKETS } from "@tradeboard/core";
import {
  alertEvents,
  type Database,
  insertAlert,
  insertAlertEvent,
  insertUser,
  scheduleWebhook,
  users,
} from "@tradeboard/db";
import { eq } from "drizzle-orm";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ManualFeed } from "../src/market/feed.ts";
import { guardedLookup } from "../src/services/webhook-lookup.ts";
import {
  checkWebhookUrl,
  isInternalAddress,
  WebhookSender,
  type WebhookSenderOptions,
} from "../src/services/webhooks.ts";
import { sessionCookie, signedInUser, testApp } from "./helpers/app.ts";
import { openTestDatabase, testDrivers } from "./helpers/database.ts";

const specs = DEFAULT_MARKETS.filter((m) => m.symbol === "ETH-USD");

describe("webhook targets", () => {
  it.each([
    ["127.0.0.1", true],
    ["10.1.2.3", true],
    ["172.20.0.1", true],
    ["192.168.1.1", true],
    ["169.254.169.254", true],
    ["100.64.0.1", true],
    ["::1", true],
    ["fd00::1", true],
    ["fe80::1", true],
    ["::ffff:127.0.0.1", true],
    ["::ffff:7f00:1", true],
    ["::ffff:a00:1", true],
    // IPv4-compatible (deprecated), ::/96: the kernel may route them to the embedded IPv4.
    ["::127.0.0.1", true],
    ["::808:808", true],
    // Site-local (deprecated), fec0::/10.
    ["fec0::1", true],
    ["feff::1", true],
    // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address: internal when it is.
    ["64:ff9b::127.0.0.1", true],
    ["64:ff9b::a9fe:a9fe", true],
    ["64:ff9b::c0a8:101", true],
    ["2002:7f00:1::1", true],
    ["2002:a00:1::", true],
    ["2002:c0a8:101:1::1", true],
    // The local-use NAT64 prefix (RFC 8215) translates into whatever the operator chose.
    ["64:ff9b:1::808:808", true],
    ["8.8.8.8", false],
    ["2606:4700:4700::1111", false],
    ["64:ff9b::808:808", false],
    ["2002:808:808::1", false],
  ])("%s is internal: %s", (address, expected) => expect(isInternalAddress(address)).toBe(expected));

  it("refuses internal hosts written in the URL unless allowed", () => {
    for (const url of [
      "http://127.0.0.1:8080/x",
      "http://localhost/x",
      "http://[::1]/x",
      "https://10.0.0.5/hook",
      "http://169.254.169.254/latest",
    ]) {
      expect(checkWebhookUrl(url, false)).toMatch(/private, loopback or link-local/);
      expect(checkWebhookUrl(url, true)).toBeNull();
    }
    expect(checkWebhookUrl("https://hooks.example.com/tradeboard", false)).toBeNull();
  });
});

describe("alert webhooks", () => {
  let database: Database;
  let app: FastifyInstance;
  let feed: ManualFeed;
  let server: Server;
  let target: string;
  const received: { path: string; body: string; signature: string | undefined }[] = [];
  let failuresLeft = 0;

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        if (req.url === "/hang") return; // never answers
        received.push({
          path: req.url ?? "",
          body,
          signature: req.headers["x-tradeboard-signature"] as string | undefined,
        });
        if (req.url === "/flaky" && failuresLeft > 0) {
          failuresLeft--;
          res.writeHead(500).end();
          return;
        }
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    target = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    database = await openTestDatabase("pglite");
    ({ app, feed } = await testApp(
      database,
      { ALERT_WEBHOOKS_ALLOW_PRIVATE: true, WEBHOOK_RETRY_BASE_MS: 50 },
      { specs },
    ));
    await app.markets.init();
    await app.alerts.rebuild();
    app.markets.start();
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
    server?.closeAllConnections();
    server?.close();
  });

  async function until(condition: () => boolean | Promise<boolean>, ms = 5_000) {
    const deadline = Date.now() + ms;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error("condition not met in time");
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  it("signs each firing with HMAC-SHA256, retries failures, and records every delivery", async () => {
    const user = await insertUser(database.db, { email: "hooks@example.com", name: "Hooks", passwordHash: null });
    const cookie = await sessionCookie(database, { sub: user.id });
    const call = (method: "GET" | "POST", url: string, payload?: object) =>
      app.inject({ method, url, headers: { cookie }, ...(payload ? { payload } : {}) });

    const early = await call("POST", "/api/alerts", {
      symbol: "ETH-USD",
      condition: "above",
      price: "3100.00",
      webhookUrl: `${target}/ok`,
    });
    expect(early.statusCode).toBe(400);
    expect(early.json().error.fields.webhookUrl).toContain("secret");
    expect((await call("GET", "/api/alerts/webhook-secret")).json()).toEqual({ configured: false });
    const { secret } = (await call("POST", "/api/alerts/webhook-secret")).json() as { secret: string };
    expect(secret).toMatch(/^whsec_/);
    expect((await call("GET", "/api/alerts/webhook-secret")).json()).toEqual({ configured: true });

    feed.trade("ETH-USD", "3000.00", { quantity: "1" });
    const ok = (
      await call("POST", "/api/alerts", {
        symbol: "ETH-USD",
        condition: "above",
        price: "3100.00",
        webhookUrl: `${target}/ok`,
      })
    ).json();
    failuresLeft = 2;
    const flaky = (
      await call("POST", "/api/alerts", {
        symbol: "ETH-USD",
        condition: "above",
        price: "3100.00",
        webhookUrl: `${target}/flaky`,
      })
    ).json();
    const hanging = (
      await call("POST", "/api/alerts", {
        symbol: "ETH-USD",
        condition: "above",
        price: "3100.00",
        webhookUrl: `${target}/hang`,
      })
    ).json();
    const plain = (
      await call("POST", "/api/alerts", { symbol: "ETH-USD", condition: "above", price: "3100.00" })
    ).json();

    feed.trade("ETH-USD", "3150.00", { quantity: "1" });
    await app.alerts.settled();
    // Recorded at once, whatever the webhook targets are doing.
    const events = async () =>
      (await call("GET", "/api/alerts/events")).json().events as {
        alertId: string;
        webhookStatus: string;
        webhookAttempts: number;
      }[];
    const byAlert = async (id: string) => (await events()).find((e) => e.alertId === id);
    expect(await byAlert(plain.id)).toMatchObject({ webhookStatus: "none" });
    expect(await byAlert(hanging.id)).toMatchObject({ webhookStatus: "pending", webhookAttempts: 0 });

    await until(async () => (await byAlert(ok.id))?.webhookStatus === "delivered");
    await until(async () => (await byAlert(flaky.id))?.webhookStatus === "delivered");
    expect(await byAlert(flaky.id)).toMatchObject({ webhookAttempts: 3 });

    const delivery = received.find((r) => r.path === "/ok");
    expect(delivery).toBeDefined();
    const expected = `sha256=${createHmac("sha256", secret)
      .update(delivery?.body ?? "")
      .digest("hex")}`;
    expect(delivery?.signature).toBe(expected);
    expect(JSON.parse(delivery?.body ?? "{}")).toMatchObject({
      type: "alert.triggered",
      alert: { id: ok.id, symbol: "ETH-USD", condition: "above", price: "3100" },
      event: { price: "3150" },
    });
    expect(received.filter((r) => r.path === "/flaky")).toHaveLength(3);
  });

  it("refuses a private target when private targets are not allowed", async () => {
    const strictDb = await openTestDatabase("pglite");
    const strict = await testApp(strictDb, {}, { specs });
    await strict.app.markets.init();
    const user = await insertUser(strictDb.db, { email: "strict@example.com", name: "Strict", passwordHash: null });
    const cookie = await sessionCookie(strictDb, { sub: user.id });
    await strict.app.inject({ method: "POST", url: "/api/alerts/webhook-secret", headers: { cookie } });
    const res = await strict.app.inject({
      method: "POST",
      url: "/api/alerts",
      headers: { cookie },
      payload: { symbol: "ETH-USD", condition: "above", price: "9999.00", webhookUrl: `${target}/ok` },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.fields.webhookUrl).toMatch(/private, loopback or link-local/);
    await strict.app.close();
    await strictDb.close();
  });
});

/** A user, an alert with a webhook and one firing of it, straight in the database. */
async function firedEvent(database: Database, url: string) {
  const user = await insertUser(database.db, {
    email: `hook-${randomUUID()}@example.com`,
    name: "Hook",
    passwordHash: null,
  });
  const alert = await insertAlert(database.db, {
    userId: user.id,
    symbol: "ETH-USD",
    condition: "above",
    price: "3100",
    frequency: "once",
    status: "triggered",
    webhookUrl: url,
  });
  const event = await insertAlertEvent(database.db, {
    alertId: alert.id,
    userId: user.id,
    symbol: "ETH-USD",
    price: "3150",
    webhookStatus: "pending",
  });
  const body = '{"type":"alert.triggered"}';
  await database.db.update(users).set({ webhookSecret: "whsec_test" }).where(eq(users.id, user.id));
  await scheduleWebhook(database.db, { eventId: event.id, payload: body, at: new Date() });
  const job = { eventId: event.id, userId: user.id, url, secret: "whsec_test", body };
  return { user, alert, event, job };
}

async function eventRow(database: Database, id: string) {
  const [row] = await database.db.select().from(alertEvents).where(eq(alertEvents.id, id));
  if (!row) throw new Error(`no alert event ${id}`);
  return row;
}

async function waitFor(condition: () => boolean | Promise<boolean>, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(testDrivers)("webhook delivery on %s", (driver) => {
  let database: Database;
  let receiver: Server;
  let port: number;
  const hits: string[] = [];
  const senders: WebhookSender[] = [];

  beforeAll(async () => {
    database = await openTestDatabase(driver);
    receiver = createServer((req, res) => {
      hits.push(req.url ?? "");
      req.resume();
      req.on("end", () => res.writeHead(204).end());
    });
    // Every loopback address localhost may resolve to (127.0.0.1 and ::1) reaches the receiver.
    await new Promise<void>((resolve) => receiver.listen(0, "::", resolve));
    port = (receiver.address() as AddressInfo).port;
  });
  afterAll(async () => {
    for (const sender of senders) sender.stop();
    receiver?.closeAllConnections();
    receiver?.close();
    await database?.close();
  });

  function sender(options: Partial<ConstructorParameters<typeof WebhookSender>[0]> = {}) {
    const created = new WebhookSender({ db: database.db, allowInternal: true, retryBaseMs: 20, ...options });
    senders.push(created);
    return created;
  }

  it("delivers to a host name (Node's connect asks the lookup for every address)", async () => {
    const { job } = await firedEvent(database, `http://localhost:${port}/named`);
    sender().send(job);
    await waitFor(async () => (await eventRow(database, job.eventId)).webhookStatus !== "pending");
    expect(await eventRow(database, job.eventId)).toMatchObject({
      webhookStatus: "delivered",
      webhookAttempts: 1,
      webhookError: null,
    });
    expect(hits).toContain("/named");
  });

  it("refuses a name that resolves to an internal address, without connecting", async () => {
    const { job } = await firedEvent(database, `http://localhost:${port}/refused-name`);
    sender({ allowInternal: false }).send(job);
    await waitFor(async () => (await eventRow(database, job.eventId)).webhookStatus !== "pending");
    const row = await eventRow(database, job.eventId);
    expect(row).toMatchObject({ webhookStatus: "failed", webhookAttempts: 1 });
    expect(row.webhookError).toMatch(/^refused: localhost resolves to an internal address/);
    expect(hits).not.toContain("/refused-name");
  });
  it("contains a failed database write: logged, not posted again, no unhandled rejection, the next delivery still goes", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const logs: string[] = [];
      const one = sender({ concurrency: 1, log: (message) => logs.push(message) });
      const { job: good } = await firedEvent(database, `http://localhost:${port}/after-broken-write`);
      // Not a uuid: recording this delivery fails in the database.
      one.send({ ...good, eventId: "not-a-uuid", url: `http://localhost:${port}/broken-write` });
      one.send(good);
      await waitFor(async () => (await eventRow(database, good.eventId)).webhookStatus === "delivered");
      await waitFor(() => logs.some((m) => m.includes("not-a-uuid")));
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
      // The receiver answered 2xx: a failed record of it must not make it a failed delivery, posted again.
      expect(hits.filter((h) => h === "/broken-write")).toHaveLength(1);
      expect(logs.find((m) => m.includes("not-a-uuid"))).toMatch(/could not be recorded/);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});

describe("the guarded lookup", () => {
  const resolver = (answers: { address: string; family: number }[]): typeof lookup =>
    ((_host: string, options: LookupOptions, callback: (...args: unknown[]) => void) => {
      if (options.all) callback(null, answers);
      else callback(null, answers[0]?.address, answers[0]?.family);
    }) as unknown as typeof lookup;
  const ask = (guard: LookupFunction, all: boolean) =>
    new Promise<{ error: Error | null; address: unknown; family?: number }>((resolve) =>
      guard("hooks.example", { all }, (error, address, family) => resolve({ error, address, family })),
    );

  it("answers every address when asked for all, and refuses if any one of them is internal", async () => {
    const publicOnly = guardedLookup(
      false,
      resolver([
        { address: "2606:4700:4700::1111", family: 6 },
        { address: "1.1.1.1", family: 4 },
      ]),
    );
    expect(await ask(publicOnly, true)).toEqual({
      error: null,
      address: [
        { address: "2606:4700:4700::1111", family: 6 },
        { address: "1.1.1.1", family: 4 },
      ],
      family: undefined,
    });
    expect(await ask(publicOnly, false)).toMatchObject({ error: null, address: "2606:4700:4700::1111", family: 6 });
    const mixed = guardedLookup(
      false,
      resolver([
        { address: "1.1.1.1", family: 4 },
        { address: "10.0.0.7", family: 4 },
      ]),
    );
    for (const all of [true, false]) {
      const answer = await ask(mixed, all);
      expect(answer.error?.message).toBe("refused: hooks.example resolves to an internal address (10.0.0.7)");
    }
  });
});

describe.each(testDrivers)("webhook retries across a restart on %s", (driver) => {
  let database: Database;
  let receiver: Server;
  let target: string;
  const hits: string[] = [];

  beforeAll(async () => {
    database = await openTestDatabase(driver);
    let failed = false;
    receiver = createServer((req, res) => {
      hits.push(req.url ?? "");
      req.resume();
      req.on("end", () => {
        // The first attempt fails; any later one succeeds.
        if (!failed) {
          failed = true;
          res.writeHead(503).end();
        } else res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    target = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    receiver?.closeAllConnections();
    receiver?.close();
    await database?.close();
  });

  it("keeps the next attempt time in the database and resumes the retry after a restart", async () => {
    let clock = Date.parse("2026-03-01T12:00:00Z");
    const now = () => clock;
    // A retry a minute away: the first instance is gone long before it is due.
    const overrides = { ALERT_WEBHOOKS_ALLOW_PRIVATE: true, WEBHOOK_RETRY_BASE_MS: 60_000, WEBHOOK_POLL_MS: 20 };
    const first = await testApp(database, overrides, { specs, now });
    await first.app.markets.init();
    await first.app.alerts.rebuild();
    first.app.markets.start();
    const { cookie } = await signedInUser(database, "restart");
    await first.app.inject({ method: "POST", url: "/api/alerts/webhook-secret", headers: { cookie } });
    first.feed.trade("ETH-USD", "3000.00", { quantity: "1" });
    const created = await first.app.inject({
      method: "POST",
      url: "/api/alerts",
      headers: { cookie },
      payload: { symbol: "ETH-USD", condition: "above", price: "3100.00", webhookUrl: `${target}/restart` },
    });
    expect(created.statusCode).toBe(201);
    first.feed.trade("ETH-USD", "3150.00", { quantity: "1" });
    await first.app.alerts.settled();
    const event = async (app: FastifyInstance) =>
      (await app.inject({ method: "GET", url: "/api/alerts/events", headers: { cookie } })).json().events[0] as {
        webhookStatus: string;
        webhookAttempts: number;
      };
    await waitFor(async () => (await event(first.app))?.webhookAttempts === 1);
    expect(await event(first.app)).toMatchObject({ webhookStatus: "pending" });
    expect(hits.filter((h) => h === "/restart")).toHaveLength(1);
    await first.app.close();

    clock += 61_000;
    const second = await testApp(database, overrides, { specs, now });
    await second.app.markets.init();
    await second.app.alerts.rebuild();
    try {
      await waitFor(async () => (await event(second.app))?.webhookStatus !== "pending");
      expect(await event(second.app)).toMatchObject({ webhookStatus: "delivered", webhookAttempts: 2 });
      expect(hits.filter((h) => h === "/restart")).toHaveLength(2);
    } finally {
      await second.app.close();
    }
  });
});

describe.each(testDrivers)("a webhook target that misbehaves, on %s", (driver) => {
  let database: Database;
  let receiver: Server;
  let base: string;
  const order: string[] = [];
  const senders: WebhookSender[] = [];
  const trickles = new Set<NodeJS.Timeout>();

  beforeAll(async () => {
    database = await openTestDatabase(driver);
    receiver = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        order.push(req.url ?? "");
        if (req.url?.startsWith("/trickle")) {
          // Headers at once, then a byte now and then, for ever: never idle, never done.
          res.writeHead(200, { "content-type": "text/plain" });
          const timer = setInterval(() => res.write("."), 10);
          trickles.add(timer);
          res.on("close", () => clearInterval(timer));
        } else if (req.url?.startsWith("/reset") || req.url?.startsWith("/cut")) {
          // Promises a body, sends part of it, then the connection is reset (RST) or just closed (FIN).
          res.writeHead(200, { "content-length": "1000" });
          const reset = req.url.startsWith("/reset");
          res.write("x".repeat(10), () =>
            setTimeout(() => (reset ? req.socket.resetAndDestroy() : req.socket.destroy()), 20),
          );
        } else if (req.url?.startsWith("/endless")) {
          // A 2xx followed by a body without end, as fast as the socket takes it.
          res.writeHead(200);
          const chunk = Buffer.alloc(16 * 1024, 97);
          const pour = () => {
            while (!res.destroyed && res.write(chunk));
            if (!res.destroyed) res.once("drain", pour);
          };
          pour();
        } else res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const sender of senders) await sender.stop();
    for (const timer of trickles) clearInterval(timer);
    receiver?.closeAllConnections();
    receiver?.close();
    await database?.close();
  });

  /** One delivery slot for everyone: whoever holds it stops all other webhooks. */
  function oneSlot(options: Partial<WebhookSenderOptions> = {}) {
    const sender = new WebhookSender({
      db: database.db,
      allowInternal: true,
      concurrency: 1,
      timeoutMs: 1_000,
      attempts: 1,
      ...options,
    });
    senders.push(sender);
    return sender;
  }
  const settledRow = async (eventId: string) => {
    await waitFor(async () => (await eventRow(database, eventId)).webhookStatus !== "pending");
    return eventRow(database, eventId);
  };

  it("a target that trickles bytes is cut off at the delivery's deadline, and the next user's webhook goes", async () => {
    const sender = oneSlot();
    const slow = await firedEvent(database, `${base}/trickle`);
    const other = await firedEvent(database, `${base}/after-trickle`);
    sender.send(slow.job);
    sender.send(other.job);
    expect(await settledRow(other.job.eventId)).toMatchObject({ webhookStatus: "delivered" });
    const cut = await settledRow(slow.job.eventId);
    expect(cut).toMatchObject({ webhookStatus: "failed", webhookAttempts: 1 });
    expect(cut.webhookError).toBe("no complete response within 1000 ms");
  });

  it.each(["reset", "cut"])(
    "a target whose connection is %s mid-body ends that attempt, and the next user's webhook goes",
    async (how) => {
      const sender = oneSlot({ timeoutMs: 60_000 });
      const broken = await firedEvent(database, `${base}/${how}`);
      const other = await firedEvent(database, `${base}/after-${how}`);
      sender.send(broken.job);
      sender.send(other.job);
      expect(await settledRow(other.job.eventId)).toMatchObject({ webhookStatus: "delivered" });
      const ended = await settledRow(broken.job.eventId);
      expect(ended).toMatchObject({ webhookStatus: "failed", webhookAttempts: 1 });
      expect(ended.webhookError).toMatch(/^the connection closed before the response ended/);
    },
  );

  it("reads at most a capped response: a 2xx with an endless body counts, and the slot is given back", async () => {
    const sender = oneSlot({ timeoutMs: 60_000, maxResponseBytes: 64 * 1024 });
    const endless = await firedEvent(database, `${base}/endless`);
    const other = await firedEvent(database, `${base}/after-endless`);
    sender.send(endless.job);
    sender.send(other.job);
    expect(await settledRow(other.job.eventId)).toMatchObject({ webhookStatus: "delivered" });
    expect(await settledRow(endless.job.eventId)).toMatchObject({ webhookStatus: "delivered", webhookError: null });
  });

  it("takes users in turn, and holds at most a few of one user's deliveries in memory", async () => {
    const sender = oneSlot({ maxQueuedPerUser: 2, pollMs: 20, attempts: 5 });
    const first = await firedEvent(database, `${base}/fair/a0`);
    const mine = [first.job];
    for (let i = 1; i < 5; i++) {
      const { event } = await firedEvent(database, `${base}/fair/a${i}`);
      // The same user: a busy account with many alerts.
      await database.db.update(alertEvents).set({ userId: first.user.id }).where(eq(alertEvents.id, event.id));
      mine.push({ ...first.job, eventId: event.id, url: `${base}/fair/a${i}` });
    }
    const theirs = await firedEvent(database, `${base}/fair/b0`);
    for (const job of mine) sender.send(job);
    sender.send(theirs.job);
    // One running, two waiting: the rest of this user's stay in the database until there is room.
    expect(sender.queuedFor(first.user.id)).toBe(2);
    sender.resume();
    for (const job of [...mine, theirs.job]) {
      expect(await settledRow(job.eventId)).toMatchObject({ webhookStatus: "delivered" });
    }
    const fair = order.filter((path) => path.startsWith("/fair/"));
    // The other user's webhook is the very next one after the first, not behind the whole backlog.
    expect(fair.slice(0, 2)).toEqual(["/fair/a0", "/fair/b0"]);
    expect([...fair].sort()).toEqual(["/fair/a0", "/fair/a1", "/fair/a2", "/fair/a3", "/fair/a4", "/fair/b0"]);
  });
});
