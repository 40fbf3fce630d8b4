import { randomUUID } from "node:crypto";
import { DEFAULT_MARKETS } from "@tradeboard/core";
import { type Database, executedRows, insertUser } from "@tradeboard/db";
import { sql } from "drizzle-orm";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RealtimeTokens } from "../src/auth/realtime-token.ts";
import type { ManualFeed } from "../src/market/feed.ts";
import { ALERT_RETRY_MS } from "../src/services/alerts.ts";
import { sessionCookie, signedInUser, startTestApp, TEST_SECRET, testApp } from "./helpers/app.ts";
import { testDrivers } from "./helpers/database.ts";
import { TestSocket } from "./helpers/ws-client.ts";

const specs = DEFAULT_MARKETS.filter((m) => m.symbol === "BTC-USD");

describe.each(testDrivers)("price alerts on %s", (driver) => {
  let database: Database;
  let app: FastifyInstance;
  let feed: ManualFeed;
  let wsUrl: string;

  // The server's clock: tests move it forward instead of sleeping.
  let clockOffset = 0;
  const clock = () => Date.now() + clockOffset;

  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ database, app, feed, wsUrl, stop } = await startTestApp({
      driver: driver,
      overrides: { MAX_ACTIVE_ALERTS: 3 },
      specs,
      listen: true,
      now: clock,
    }));
  });
  afterAll(async () => {
    await stop?.();
  });

  const person = (name: string) => signedInUser(database, name);
  const call = (cookie: string, method: "GET" | "POST" | "PATCH" | "DELETE", url: string, payload?: object) =>
    app.inject({ method, url, headers: { cookie }, ...(payload ? { payload } : {}) });
  async function price(value: string) {
    feed.trade("BTC-USD", value, { quantity: "1" });
    await app.alerts.settled();
  }
  const events = async (cookie: string, alertId: string) =>
    (await call(cookie, "GET", `/api/alerts/events?alertId=${alertId}`)).json().events as { price: string }[];

  it("fires an above alert once, over the user channel and into the history", async () => {
    const { id, cookie } = await person("ann");
    await price("60000.00");
    const socket = await TestSocket.open(
      `${wsUrl}?token=${encodeURIComponent(new RealtimeTokens(TEST_SECRET).issue(id, randomUUID()).token)}`,
    );
    socket.send({ type: "subscribe", channels: ["user"] });
    await socket.next("subscribed");

    const created = await call(cookie, "POST", "/api/alerts", {
      symbol: "BTC-USD",
      condition: "above",
      price: "61000.00",
      note: "breakout",
    });
    expect(created.statusCode).toBe(201);
    const alert = created.json();
    expect(alert).toMatchObject({ status: "active", price: "61000", frequency: "once", note: "breakout" });

    await price("60900.00");
    await price("61000.50");
    const message = await socket.next("event");
    expect(message.data).toMatchObject({
      kind: "alert",
      alert: { id: alert.id, status: "triggered" },
      event: { price: "61000.5" },
    });
    await price("60000.00");
    await price("62000.00");
    expect(await events(cookie, alert.id)).toHaveLength(1);
    expect((await call(cookie, "GET", `/api/alerts/${alert.id}`)).json()).toMatchObject({
      status: "triggered",
      lastTriggeredAt: expect.any(String),
    });
    socket.close();
  });

  it("fires exactly once when ticks crowd in, and keeps every-time alerts to their cooldown", async () => {
    const { cookie } = await person("ben");
    await price("60000.00");
    const once = (
      await call(cookie, "POST", "/api/alerts", { symbol: "BTC-USD", condition: "below", price: "59000.00" })
    ).json();
    const every = (
      await call(cookie, "POST", "/api/alerts", {
        symbol: "BTC-USD",
        condition: "below",
        price: "59000.00",
        frequency: "every_time",
      })
    ).json();
    const cooled = (
      await call(cookie, "POST", "/api/alerts", {
        symbol: "BTC-USD",
        condition: "below",
        price: "59000.00",
        frequency: "every_time",
        cooldownSeconds: 3600,
      })
    ).json();
    // Two ticks in a row below the level, then back up, then below again.
    feed.trade("BTC-USD", "58900.00", { quantity: "1" });
    feed.trade("BTC-USD", "58800.00", { quantity: "1" });
    await price("59500.00");
    await price("58500.00");
    expect(await events(cookie, once.id)).toHaveLength(1);
    expect((await events(cookie, every.id)).map((e) => e.price)).toEqual(["58500", "58900"]);
    expect(await events(cookie, cooled.id)).toHaveLength(1);
  });

  it("fires a crosses alert on each crossing, either way", async () => {
    const { cookie } = await person("cat");
    await price("60000.00");
    const alert = (
      await call(cookie, "POST", "/api/alerts", {
        symbol: "BTC-USD",
        condition: "crosses",
        price: "60500.00",
        frequency: "every_time",
      })
    ).json();
    await price("60400.00");
    await price("60600.00"); // up through
    await price("60700.00");
    await price("60450.00"); // down through
    expect((await events(cookie, alert.id)).map((e) => e.price)).toEqual(["60450", "60600"]);
  });

  it("does not fire while paused, and fires again once resumed", async () => {
    const { cookie } = await person("dan");
    await price("60000.00");
    const alert = (
      await call(cookie, "POST", "/api/alerts", { symbol: "BTC-USD", condition: "above", price: "60100.00" })
    ).json();
    expect((await call(cookie, "PATCH", `/api/alerts/${alert.id}`, { status: "paused" })).json().status).toBe("paused");
    await price("60200.00");
    expect(await events(cookie, alert.id)).toHaveLength(0);
    await price("60000.00");
    expect(
      (await call(cookie, "PATCH", `/api/alerts/${alert.id}`, { status: "active", price: "60150.00" })).json(),
    ).toMatchObject({ status: "active", price: "60150" });
    await price("60151.00");
    expect(await events(cookie, alert.id)).toHaveLength(1);
  });

  it("survives a restart: the alert is re-armed and fires once", async () => {
    const { cookie } = await person("eve");
    await price("60000.00");
    const alert = (
      await call(cookie, "POST", "/api/alerts", { symbol: "BTC-USD", condition: "above", price: "63000.00" })
    ).json();
    const second = await testApp(database, {}, { specs });
    await second.app.markets.init();
    expect(await second.app.alerts.rebuild()).toBeGreaterThanOrEqual(1);
    second.app.markets.start();
    second.feed.trade("BTC-USD", "63500.00", { quantity: "1" });
    await second.app.alerts.settled();
    await second.app.close();
    // The restarted instance fired it (the first one has not seen that price yet)...
    expect((await events(cookie, alert.id)).map((e) => e.price)).toEqual(["63500"]);
    await price("63500.00"); // ...and when the first instance sees it too, the database lets only one fire
    expect(await events(cookie, alert.id)).toHaveLength(1);
    await price("60000.00");
  });

  it("keeps an every-time alert that fired waiting for the price to come back, across a restart", async () => {
    const { cookie } = await person("ivy");
    await price("60000.00");
    const alert = (
      await call(cookie, "POST", "/api/alerts", {
        symbol: "BTC-USD",
        condition: "above",
        price: "61000.00",
        frequency: "every_time",
      })
    ).json();
    await price("61500.00");
    expect(await events(cookie, alert.id)).toHaveLength(1);
    // A restart: a new instance on the same database, with its own feed (the first one sees none of these ticks).
    const second = await testApp(database, {}, { specs });
    await second.app.markets.init();
    await second.app.alerts.rebuild();
    second.app.markets.start();
    const secondPrice = async (value: string) => {
      second.feed.trade("BTC-USD", value, { quantity: "1" });
      await second.app.alerts.settled();
    };
    try {
      await secondPrice("61700.00"); // still above since the firing: no new crossing
      expect((await events(cookie, alert.id)).map((e) => e.price)).toEqual(["61500"]);
      await secondPrice("60500.00"); // back below the level...
      await secondPrice("61200.00"); // ...and across again
      expect((await events(cookie, alert.id)).map((e) => e.price)).toEqual(["61200", "61500"]);
    } finally {
      await second.app.close();
    }
    expect((await call(cookie, "DELETE", `/api/alerts/${alert.id}`)).statusCode).toBe(204);
    await price("60000.00");
  });

  /**
   * Makes the database refuse every alert event (the firing's transaction rolls back) until `end`;
   * `count` tells how many were refused (a sequence: not rolled back with the firing).
   */
  const refuseAlertEvents = async () => {
    const run = (text: string) => database.db.execute(sql.raw(text));
    await run("create sequence refused_alert_events");
    await run(
      "create function refuse_alert_events() returns trigger language plpgsql as $$ begin perform nextval('refused_alert_events'); raise exception 'alert events refused'; end $$",
    );
    await run(
      "create trigger refuse_alert_events before insert on alert_events for each row execute function refuse_alert_events()",
    );
    return {
      async count() {
        const result = await run("select last_value, is_called from refused_alert_events");
        const [row] = executedRows<{ last_value: string | number; is_called: boolean }>(result);
        return row?.is_called ? Number(row.last_value) : 0;
      },
      async end() {
        await run("drop trigger refuse_alert_events on alert_events");
        await run("drop function refuse_alert_events");
        await run("drop sequence refused_alert_events");
      },
    };
  };

  it("arms an alert again after its firing failed, and fires it on a later crossing", async () => {
    const { cookie } = await person("jay");
    await price("60000.00");
    const alert = (
      await call(cookie, "POST", "/api/alerts", { symbol: "BTC-USD", condition: "above", price: "60300.00" })
    ).json();
    // The database refuses the firing's event: the firing's transaction rolls back.
    const refusal = await refuseAlertEvents();
    try {
      await price("60350.00");
    } finally {
      await refusal.end();
    }
    expect(await events(cookie, alert.id)).toHaveLength(0);
    expect((await call(cookie, "GET", `/api/alerts/${alert.id}`)).json().status).toBe("active");
    clockOffset += ALERT_RETRY_MS; // the pause before it is armed again
    await price("60400.00");
    await price("60450.00");
    expect((await events(cookie, alert.id)).length).toBe(1);
    expect((await call(cookie, "GET", `/api/alerts/${alert.id}`)).json().status).toBe("triggered");
    await price("60000.00");
  });

  it("waits longer after each failed firing of the same alert (1 s, 2 s, 4 s …), and fires once the database takes it", async () => {
    const { cookie } = await person("kim");
    await price("60000.00");
    const alert = (
      await call(cookie, "POST", "/api/alerts", { symbol: "BTC-USD", condition: "above", price: "60300.00" })
    ).json();
    // Every firing's event is refused, and counted.
    const refusal = await refuseAlertEvents();
    const attempts = refusal.count;
    // The price stays above the level: every tick may fire the alert, once it is armed again.
    const tickAt = async (offsetMs: number) => {
      clockOffset += offsetMs;
      await price("60350.00");
      await price("60360.00");
    };
    try {
      await tickAt(0);
      expect(await attempts()).toBe(1);
      await tickAt(ALERT_RETRY_MS); // 1 s after the first failure: armed again, fails again
      expect(await attempts()).toBe(2);
      await tickAt(ALERT_RETRY_MS); // 1 s after the second: it waits 2 s now
      expect(await attempts()).toBe(2);
      await tickAt(ALERT_RETRY_MS); // 2 s after the second: the third attempt
      expect(await attempts()).toBe(3);
      await tickAt(3 * ALERT_RETRY_MS); // 3 s after the third, which waits 4 s
      expect(await attempts()).toBe(3);
    } finally {
      await refusal.end();
    }
    expect(await events(cookie, alert.id)).toHaveLength(0);
    await tickAt(ALERT_RETRY_MS); // 4 s after the third: the database takes it
    expect((await events(cookie, alert.id)).length).toBe(1);
    expect((await call(cookie, "GET", `/api/alerts/${alert.id}`)).json().status).toBe("triggered");
    await price("60000.00");
  });

  it("lets an alert expire: past its expiry it shows as expired and does not fire", async () => {
    const { cookie } = await person("hal");
    await price("60000.00");
    const expiresAt = new Date(clock() + 60_000).toISOString();
    const alert = (
      await call(cookie, "POST", "/api/alerts", { symbol: "BTC-USD", condition: "above", price: "60400.00", expiresAt })
    ).json();
    expect(alert).toMatchObject({ status: "active", expiresAt });
    clockOffset += 61_000;
    await price("60500.00");
    expect(await events(cookie, alert.id)).toHaveLength(0);
    expect((await call(cookie, "GET", `/api/alerts/${alert.id}`)).json().status).toBe("expired");
    await price("60000.00");
  });

  it("refuses bad alerts clearly and keeps users apart", async () => {
    const { cookie } = await person("fay");
    const other = await person("gil");
    const cases: [object, number, string][] = [
      [{ symbol: "BTC-USD", condition: "above" }, 400, "price"],
      [{ symbol: "BTC-USD", condition: "above", price: 61000 }, 400, "price"],
      [{ symbol: "BTC-USD", condition: "move", percent: "5" }, 400, "window"],
      [{ symbol: "BTC-USD", condition: "move", percent: "0", window: "1h" }, 400, "percent"],
      [{ symbol: "BTC-USD", condition: "above", price: "1.00", expiresAt: "2001-01-01T00:00:00Z" }, 400, "expiresAt"],
      [{ symbol: "BTC-USD", condition: "above", price: "1.00", webhookUrl: "ftp://example.com/x" }, 400, "webhookUrl"],
      [{ symbol: "XRP-USD", condition: "above", price: "1.00" }, 404, ""],
    ];
    for (const [body, status, field] of cases) {
      const res = await call(cookie, "POST", "/api/alerts", body);
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      if (field) expect(res.json().error.fields).toHaveProperty(field);
    }
    const mine = (
      await call(cookie, "POST", "/api/alerts", { symbol: "BTC-USD", condition: "above", price: "99000.00" })
    ).json();
    expect((await call(other.cookie, "GET", `/api/alerts/${mine.id}`)).statusCode).toBe(404);
    expect((await call(other.cookie, "PATCH", `/api/alerts/${mine.id}`, { note: "mine now" })).statusCode).toBe(404);
    expect((await call(other.cookie, "DELETE", `/api/alerts/${mine.id}`)).statusCode).toBe(404);
    await call(cookie, "POST", "/api/alerts", { symbol: "BTC-USD", condition: "above", price: "99100.00" });
    await call(cookie, "POST", "/api/alerts", { symbol: "BTC-USD", condition: "above", price: "99200.00" });
    const over = await call(cookie, "POST", "/api/alerts", {
      symbol: "BTC-USD",
      condition: "above",
      price: "99300.00",
    });
    expect(over.statusCode).toBe(422);
    expect(over.json()).toMatchObject({ error: { code: "alert_limit" } });
    expect((await call(cookie, "DELETE", `/api/alerts/${mine.id}`)).statusCode).toBe(204);
    expect((await call(cookie, "GET", "/api/alerts")).json().alerts).toHaveLength(2);
  });
});

describe("percent-move alerts", () => {
  let database: Database;
  let app: FastifyInstance;
  let feed: ManualFeed;

  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ database, app, feed, stop } = await startTestApp({ specs }));
  });
  afterAll(async () => {
    await stop?.();
  });

  it("fires when the move within the window reaches the percentage, either way", async () => {
    const user = await insertUser(database.db, { email: "mover@example.com", name: "Mover", passwordHash: null });
    const cookie = await sessionCookie(database, { sub: user.id });
    const call = (method: "GET" | "POST", url: string, payload?: object) =>
      app.inject({ method, url, headers: { cookie }, ...(payload ? { payload } : {}) });
    // Two hours ahead of the stored history, so the 5-minute and 1-hour windows hold only these trades.
    let time = Date.now() + 2 * 3_600_000;
    const price = async (value: string) => {
      time += 1_000;
      feed.trade("BTC-USD", value, { quantity: "1", time });
      await app.alerts.settled();
    };
    await price("60000.00");
    const up = (
      await call("POST", "/api/alerts", { symbol: "BTC-USD", condition: "move", percent: "5", window: "5m" })
    ).json();
    const big = (
      await call("POST", "/api/alerts", { symbol: "BTC-USD", condition: "move", percent: "10", window: "1h" })
    ).json();
    expect(up).toMatchObject({ condition: "move", percent: "5", window: "5m", price: null });
    await price("62000.00"); // +3.33 %
    await price("62999.99"); // +4.99998 %
    const events = async () =>
      (await call("GET", "/api/alerts/events")).json().events as { alertId: string; price: string }[];
    expect(await events()).toHaveLength(0);
    await price("63000.00"); // exactly +5 % from the window's low of 60000
    expect((await events()).map((e) => [e.alertId, e.price])).toEqual([[up.id, "63000"]]);
    await price("56700.00"); // −10 % from the window's high of 63000
    expect((await events()).map((e) => e.alertId)).toContain(big.id);
  });
});
