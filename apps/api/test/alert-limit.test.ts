import { DEFAULT_MARKETS } from "@tradeboard/core";
import type { Database } from "@tradeboard/db";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ManualFeed } from "../src/market/feed.ts";
import { signedInUser, startTestApp } from "./helpers/app.ts";
import { testDrivers } from "./helpers/database.ts";

const specs = DEFAULT_MARKETS.filter((m) => m.symbol === "BTC-USD");

/** MAX_ACTIVE_ALERTS holds on every way an alert becomes active, not only on create. */
describe.each(testDrivers)("the active-alert limit on %s", (driver) => {
  let database: Database;
  let app: FastifyInstance;
  let feed: ManualFeed;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ database, app, feed, stop } = await startTestApp({ driver, overrides: { MAX_ACTIVE_ALERTS: 2 }, specs }));
    feed.trade("BTC-USD", "60000.00", { quantity: "1" });
    await app.alerts.settled();
  });
  afterAll(async () => {
    await stop?.();
  });

  const call = (cookie: string, method: "GET" | "POST" | "PATCH", url: string, payload?: object) =>
    app.inject({ method, url, headers: { cookie }, ...(payload ? { payload } : {}) });
  const create = async (cookie: string, price: string) => {
    const res = await call(cookie, "POST", "/api/alerts", { symbol: "BTC-USD", condition: "above", price });
    expect(res.statusCode).toBe(201);
    return res.json().id as string;
  };
  const statuses = async (cookie: string) =>
    ((await call(cookie, "GET", "/api/alerts")).json().alerts as { status: string }[]).map((a) => a.status).sort();

  it("refuses to resume a paused alert when the others already fill the limit", async () => {
    const { cookie } = await signedInUser(database, "pauser");
    const first = await create(cookie, "70000.00");
    await create(cookie, "71000.00");
    expect((await call(cookie, "PATCH", `/api/alerts/${first}`, { status: "paused" })).statusCode).toBe(200);
    await create(cookie, "72000.00"); // one paused + two active

    const resume = await call(cookie, "PATCH", `/api/alerts/${first}`, { status: "active" });
    expect(resume.statusCode).toBe(422);
    expect(resume.json()).toMatchObject({ error: { code: "alert_limit", message: /at most 2 active alerts/ } });
    expect((await call(cookie, "GET", `/api/alerts/${first}`)).json()).toMatchObject({ status: "paused" });
    expect(await statuses(cookie)).toEqual(["active", "active", "paused"]);
  });

  it("refuses to re-arm a triggered alert at the limit, and allows it once there is room", async () => {
    const { cookie } = await signedInUser(database, "rearmer");
    const fired = await create(cookie, "60500.00");
    feed.trade("BTC-USD", "60600.00", { quantity: "1" });
    await app.alerts.settled();
    expect((await call(cookie, "GET", `/api/alerts/${fired}`)).json()).toMatchObject({ status: "triggered" });
    feed.trade("BTC-USD", "60000.00", { quantity: "1" });
    await app.alerts.settled();
    await create(cookie, "80000.00");
    const other = await create(cookie, "81000.00");

    const rearm = await call(cookie, "PATCH", `/api/alerts/${fired}`, { status: "active" });
    expect(rearm.statusCode).toBe(422);
    expect(rearm.json()).toMatchObject({ error: { code: "alert_limit" } });
    expect((await call(cookie, "GET", `/api/alerts/${fired}`)).json()).toMatchObject({ status: "triggered" });

    expect((await call(cookie, "PATCH", `/api/alerts/${other}`, { status: "paused" })).statusCode).toBe(200);
    const again = await call(cookie, "PATCH", `/api/alerts/${fired}`, { status: "active" });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ status: "active" });
  });

  it("still lets an active alert at the limit be edited, or set active again", async () => {
    const { cookie } = await signedInUser(database, "editor");
    const first = await create(cookie, "90000.00");
    await create(cookie, "91000.00");
    const edit = await call(cookie, "PATCH", `/api/alerts/${first}`, { note: "still here", status: "active" });
    expect(edit.statusCode).toBe(200);
    expect(edit.json()).toMatchObject({ status: "active", note: "still here" });
  });

  it("holds when many alerts are created at once: only as many as the limit allows become active", async () => {
    const { cookie } = await signedInUser(database, "racer");
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call(cookie, "POST", "/api/alerts", { symbol: "BTC-USD", condition: "above", price: `${95000 + i}.00` }),
      ),
    );
    const codes = answers.map((a) => a.statusCode);
    expect(codes.filter((c) => c === 201)).toHaveLength(2);
    expect(codes.filter((c) => c === 422)).toHaveLength(18);
    for (const refused of answers.filter((a) => a.statusCode === 422))
      expect(refused.json()).toMatchObject({ error: { code: "alert_limit" } });
    expect(await statuses(cookie)).toEqual(["active", "active"]);
  });

  it("holds when paused alerts are resumed at once: only as many as there is room for", async () => {
    const { cookie } = await signedInUser(database, "resumer");
    const ids = [await create(cookie, "96000.00"), await create(cookie, "96100.00")];
    for (const id of ids)
      expect((await call(cookie, "PATCH", `/api/alerts/${id}`, { status: "paused" })).statusCode).toBe(200);
    await create(cookie, "96200.00"); // one active, two paused: room for one more
    const answers = await Promise.all(
      ids.map((id) => call(cookie, "PATCH", `/api/alerts/${id}`, { status: "active" })),
    );
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 422]);
    expect(await statuses(cookie)).toEqual(["active", "active", "paused"]);
  });
});
