import { DEFAULT_MARKETS } from "@tradeboard/core";
import { type Database, insertUser } from "@tradeboard/db";
import fc from "fast-check";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ManualFeed } from "../src/market/feed.ts";
import { sessionCookie, testApp } from "./helpers/app.ts";
import { openTestDatabase } from "./helpers/database.ts";

/** For any price path, alerts fire exactly when a model of their rules says. */
describe("alert firing rules", () => {
  let database: Database;
  let app: FastifyInstance;
  let feed: ManualFeed;
  let cookie: string;

  beforeAll(async () => {
    database = await openTestDatabase("pglite");
    ({ app, feed } = await testApp(
      database,
      { MAX_ACTIVE_ALERTS: 100_000 },
      { specs: DEFAULT_MARKETS.filter((m) => m.symbol === "SOL-USD") },
    ));
    await app.markets.init();
    app.markets.start();
    const user = await insertUser(database.db, { email: "p@example.com", name: "P", passwordHash: null });
    cookie = await sessionCookie(database, { sub: user.id });
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  // No time limit of its own to meet: on two loaded cores a run takes from 0.1 to 2 s. Each run deletes
  // its alerts, so no run pays for the ones before it.
  it("once fires at the first price at or past the level; every time fires again only after going back, and never within its cooldown", {
    timeout: 300_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 9_000, max: 11_000 }), { minLength: 1, maxLength: 30 }),
        fc.constantFrom("above" as const, "below" as const),
        async (path, condition) => {
          feed.trade("SOL-USD", "100.00", { quantity: "1" });
          await app.alerts.settled();
          const level = "100.00";
          const create = (frequency: string, cooldownSeconds = 0) =>
            app.inject({
              method: "POST",
              url: "/api/alerts",
              headers: { cookie },
              payload: { symbol: "SOL-USD", condition, price: level, frequency, cooldownSeconds },
            });
          const once = (await create("once")).json();
          const every = (await create("every_time")).json();
          // A cooldown longer than the test: after its first firing it must stay quiet.
          const cooled = (await create("every_time", 3600)).json();

          // The model: armed until the price is at or past the level; re-armed once it is strictly back.
          const reached = (cents: number) => (condition === "above" ? cents >= 10_000 : cents <= 10_000);
          let armed = true;
          let everyFires = 0;
          let onceFires = 0;
          for (const cents of path) {
            feed.trade("SOL-USD", (cents / 100).toFixed(2), { quantity: "1" });
            await app.alerts.settled();
            if (reached(cents)) {
              if (onceFires === 0) onceFires = 1;
              if (armed) {
                everyFires++;
                armed = false;
              }
            } else {
              armed = true;
            }
          }
          const events = (
            await app.inject({ method: "GET", url: "/api/alerts/events?limit=200", headers: { cookie } })
          ).json().events as {
            alertId: string;
          }[];
          expect(events.filter((e) => e.alertId === once.id)).toHaveLength(onceFires);
          expect(events.filter((e) => e.alertId === every.id)).toHaveLength(everyFires);
          expect(events.filter((e) => e.alertId === cooled.id)).toHaveLength(Math.min(everyFires, 1));
          for (const alert of [once, every, cooled]) {
            await app.inject({ method: "DELETE", url: `/api/alerts/${alert.id}`, headers: { cookie } });
          }
        },
      ),
      { numRuns: 30 },
    );
  });
});
