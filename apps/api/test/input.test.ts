import type { Database } from "@tradeboard/db";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ManualFeed } from "../src/market/feed.ts";
import { signedInUser, startTestApp, WEB_ORIGIN } from "./helpers/app.ts";
import { testDrivers } from "./helpers/database.ts";

/** What the columns hold: numeric(38,18), so 20 digits before the point and 18 after. */
const TWENTY_DIGITS = "9".repeat(20);
const TWENTY_ONE_DIGITS = `1${"0".repeat(20)}`;

describe.each(testDrivers)("input at the edge on %s", (driver) => {
  let database: Database;
  let app: FastifyInstance;
  let feed: ManualFeed;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ database, app, feed, stop } = await startTestApp({ driver }));
    feed.trade("BTC-USD", "60000.00", { quantity: "1" });
  });
  afterAll(async () => {
    await stop?.();
  });

  const post = (cookie: string, url: string, payload: object) =>
    app.inject({ method: "POST", url, headers: { cookie, origin: WEB_ORIGIN }, payload });

  describe("decimals beyond what numeric(38,18) holds", () => {
    it.each([
      ["quantity", { type: "market", quantity: TWENTY_ONE_DIGITS }],
      ["notional", { type: "market", notional: TWENTY_ONE_DIGITS }],
      ["limitPrice", { type: "limit", quantity: "0.1", limitPrice: `${TWENTY_ONE_DIGITS}.5` }],
      ["stopPrice", { type: "stop", quantity: "0.1", stopPrice: TWENTY_ONE_DIGITS }],
      ["trailPrice", { type: "trailing_stop", quantity: "0.1", trailPrice: TWENTY_ONE_DIGITS }],
      ["trailPercent", { type: "trailing_stop", quantity: "0.1", trailPercent: TWENTY_ONE_DIGITS }],
      ["takeProfit", { type: "market", quantity: "0.1", takeProfit: TWENTY_ONE_DIGITS }],
      ["stopLoss", { type: "market", quantity: "0.1", stopLoss: TWENTY_ONE_DIGITS }],
    ])("POST /api/trades refuses 21 integer digits in %s with a 400 naming it", async (field, order) => {
      const { cookie } = await signedInUser(database, "big", { usd: "1000" });
      const res = await post(cookie, "/api/trades", { symbol: "BTC-USD", side: "buy", ...order });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({
        error: { code: "validation_failed", fields: { [field]: expect.stringMatching(/20 digits/) } },
      });
    });

    it("POST /api/trades takes 20 integer digits to the order rules, not to a database error", async () => {
      const { cookie } = await signedInUser(database, "twenty", { usd: "1000" });
      const res = await post(cookie, "/api/trades", {
        symbol: "BTC-USD",
        side: "buy",
        type: "limit",
        quantity: "0.1",
        limitPrice: TWENTY_DIGITS,
      });
      // 0.1 × 99…9 (20 digits) is far beyond the balance: refused by the rules, never a 500.
      expect(res.statusCode).toBe(422);
      expect(res.json()).toMatchObject({ error: { code: "insufficient_funds" } });
    });

    it.each([
      ["price", { condition: "above", price: TWENTY_ONE_DIGITS }],
      ["price", { condition: "crosses", price: `${TWENTY_ONE_DIGITS}.25` }],
      ["percent", { condition: "move", percent: TWENTY_ONE_DIGITS, window: "1h" }],
    ])("POST /api/alerts refuses 21 integer digits in %s with a 400 naming it", async (field, alert) => {
      const { cookie } = await signedInUser(database, "alerter");
      const res = await post(cookie, "/api/alerts", { symbol: "BTC-USD", ...alert });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({
        error: { code: "validation_failed", fields: { [field]: expect.stringMatching(/20 digits/) } },
      });
    });

    it("PATCH /api/alerts/:id refuses 21 integer digits; 20 digits are stored exactly", async () => {
      const { cookie } = await signedInUser(database, "patcher");
      const created = await post(cookie, "/api/alerts", { symbol: "BTC-USD", condition: "above", price: "70000" });
      expect(created.statusCode).toBe(201);
      const patch = (price: string) =>
        app.inject({
          method: "PATCH",
          url: `/api/alerts/${created.json().id}`,
          headers: { cookie, origin: WEB_ORIGIN },
          payload: { price },
        });
      const tooBig = await patch(TWENTY_ONE_DIGITS);
      expect(tooBig.statusCode).toBe(400);
      expect(tooBig.json()).toMatchObject({ error: { fields: { price: expect.stringMatching(/20 digits/) } } });
      const biggest = await patch(`${TWENTY_DIGITS}.${"9".repeat(18)}`);
      expect(biggest.statusCode).toBe(200);
      expect(biggest.json()).toMatchObject({ price: `${TWENTY_DIGITS}.${"9".repeat(18)}` });
    });
  });

  describe("content-type: application/json with an empty body", () => {
    it("DELETE /api/trades/:id cancels the order as if no body were sent", async () => {
      const { cookie } = await signedInUser(database, "canceller", { usd: "10000" });
      const order = await post(cookie, "/api/trades", {
        symbol: "BTC-USD",
        side: "buy",
        type: "limit",
        quantity: "0.01",
        limitPrice: "50000.00",
      });
      expect(order.statusCode).toBe(201);
      const res = await app.inject({
        method: "DELETE",
        url: `/api/trades/${order.json().id}`,
        headers: { cookie, origin: WEB_ORIGIN, "content-type": "application/json", "content-length": "0" },
        payload: "",
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: order.json().id, status: "canceled" });
    });

    it("POST /api/portfolio/reset, which takes no body, answers as it does without one", async () => {
      const { cookie } = await signedInUser(database, "resetter", { usd: "10" });
      const res = await app.inject({
        method: "POST",
        url: "/api/portfolio/reset",
        headers: { cookie, origin: WEB_ORIGIN, "content-type": "application/json" },
        payload: "",
      });
      expect(res.statusCode).toBeLessThan(300);
    });

    it("POST /api/users with no body is the route's own validation error, not invalid_json", async () => {
      const res = await app.inject({
        method: "POST",
        url: "/api/users",
        headers: { "content-type": "application/json; charset=utf-8" },
        payload: "",
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: { code: "validation_failed" } });
    });

    it("still refuses malformed JSON and a body of spaces as invalid_json", async () => {
      for (const payload of ['{"name": ', "   "]) {
        const res = await app.inject({
          method: "POST",
          url: "/api/users",
          headers: { "content-type": "application/json" },
          payload,
        });
        expect(res.statusCode, JSON.stringify(payload)).toBe(400);
        expect(res.json()).toMatchObject({ error: { code: "invalid_json" } });
      }
    });

    it("still refuses a prototype-poisoning body", async () => {
      const res = await app.inject({
        method: "POST",
        url: "/api/users",
        headers: { "content-type": "application/json" },
        payload: '{"__proto__": {"role": "admin"}, "name": "A", "email": "p@example.com", "password": "long enough 1"}',
      });
      expect(res.statusCode).toBe(400);
    });
  });
});
