import { randomUUID } from "node:crypto";
import { type Database, insertUser, setUserRole, sumLedger } from "@tradeboard/db";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deriveServiceKey } from "../src/auth/service-key.ts";
import { sessionCookie, TEST_SECRET, testApp, WEB_ORIGIN } from "./helpers/app.ts";
import { openTestDatabase, testDrivers } from "./helpers/database.ts";

const SERVICE_KEY = deriveServiceKey(TEST_SECRET);

describe.each(testDrivers)("users and sessions on %s", (driver) => {
  let database: Database;
  let app: FastifyInstance;

  beforeAll(async () => {
    database = await openTestDatabase(driver);
    ({ app } = await testApp(database, {
      LOGIN_MAX_FAILURES_PER_EMAIL_AND_IP: 3,
      LOGIN_MAX_FAILURES_PER_IP: 6,
      LOGIN_MAX_FAILURES_PER_EMAIL: 12,
    }));
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  const register = (body: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method: "POST", url: "/api/users", payload: body as object, headers });
  const verify = (body: object, key: string | null = SERVICE_KEY) =>
    app.inject({
      method: "POST",
      url: "/api/internal/auth/verify-password",
      payload: body,
      headers: key === null ? {} : { "x-tradeboard-service-key": key },
    });

  describe("POST /api/users", () => {
    it("creates the account with a normalised email and no secret in the answer", async () => {
      const res = await register({
        name: "  Ada Lovelace ",
        email: " Ada@Example.COM ",
        password: "analytical engine",
      });
      expect(res.statusCode).toBe(201);
      const user = res.json();
      expect(user).toEqual({
        id: expect.any(String),
        name: "Ada Lovelace",
        email: "ada@example.com",
        role: "user",
        createdAt: expect.any(String),
      });
      expect(res.body).not.toMatch(/argon|password|hash/i);
    });

    it("starts the account with the paper balance, as its first ledger entry", async () => {
      const res = await register({ name: "Bea", email: "bea@example.com", password: "ten chars!!" });
      const { id } = res.json() as { id: string };
      const balances = await app.inject({
        method: "GET",
        url: "/api/balances",
        headers: { cookie: await sessionCookie(database, { sub: id }) },
      });
      expect(balances.statusCode).toBe(200);
      expect(balances.json()).toEqual({ balances: [{ asset: "USD", available: "100000.00", held: "0.00" }] });
      const sums = await sumLedger(database.db, { userId: id });
      expect(sums.map((s) => [s.asset, Number(s.available), Number(s.held)])).toEqual([["USD", 100000, 0]]);
    });

    it.each([
      [{ name: "A", email: "not-an-email", password: "long enough 1" }, "email"],
      [{ name: "A", email: "a9@example.com", password: "123456789" }, "password"],
      [{ email: "a8@example.com", password: "long enough 1" }, "name"],
      [{ name: "A", email: "a7@example.com", password: "x".repeat(1025) }, "password"],
    ])("refuses %j naming the field %s", async (body, field) => {
      const res = await register(body);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({
        error: { code: "validation_failed", fields: { [field]: expect.any(String) } },
      });
    });

    it.each([
      ["an unknown field", { name: "A", email: "a6@example.com", password: "long enough 1", role: "admin" }],
      ["a JSON number", 42],
      ["an array", [1, 2]],
    ])("refuses %s with a 400", async (_, body) => {
      const res = await register(body);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: { code: "validation_failed" } });
    });

    it("refuses malformed JSON with a 400, not a 500", async () => {
      const res = await app.inject({
        method: "POST",
        url: "/api/users",
        payload: '{"name": "A", ',
        headers: { "content-type": "application/json" },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: { code: "invalid_json" } });
    });

    it("refuses a taken email, whatever its case", async () => {
      await register({ name: "Cy", email: "cy@example.com", password: "long enough 1" });
      const res = await register({ name: "Cy 2", email: "CY@example.com", password: "long enough 2" });
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ error: { code: "email_taken", fields: { email: expect.any(String) } } });
    });

    it("accepts 128 and 1000 character passwords and never truncates them", async () => {
      for (const length of [128, 1000]) {
        const password = `${"p".repeat(length - 1)}!`;
        const email = `long${length}@example.com`;
        expect((await register({ name: "Long", email, password })).statusCode).toBe(201);
        expect((await verify({ email, password })).statusCode).toBe(200);
        const almost = `${"p".repeat(length - 1)}?`;
        expect((await verify({ email, password: almost })).statusCode).toBe(401);
      }
    });

    it("limits sign-ups per client address: 429 with Retry-After and a message to show", async () => {
      const limited = await testApp(database, { REGISTRATIONS_PER_IP: 2 });
      try {
        const signUp = (n: number, remoteAddress: string) =>
          limited.app.inject({
            method: "POST",
            url: "/api/users",
            remoteAddress,
            payload: { name: "Many", email: `many${n}-${remoteAddress}@example.com`, password: "long enough 1" },
          });
        expect((await signUp(1, "203.0.113.5")).statusCode).toBe(201);
        expect((await signUp(2, "203.0.113.5")).statusCode).toBe(201);
        const refused = await signUp(3, "203.0.113.5");
        expect(refused.statusCode).toBe(429);
        expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
        expect(refused.json()).toMatchObject({
          error: { code: "rate_limited", message: /Too many sign-ups from your network\. Try again in \d+ minutes\./ },
        });
        expect((await signUp(4, "198.51.100.5")).statusCode).toBe(201);
      } finally {
        await limited.app.close();
      }
    });

    it("refuses a state change from a foreign origin and creates nothing", async () => {
      const res = await register(
        { name: "Eve", email: "eve@example.com", password: "long enough 1" },
        { origin: "http://evil.example" },
      );
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ error: { code: "cross_origin_refused" } });
      const again = await register(
        { name: "Eve", email: "eve@example.com", password: "long enough 1" },
        { origin: WEB_ORIGIN },
      );
      expect(again.statusCode).toBe(201);
    });

    it("answers CORS preflights for the web origin only", async () => {
      const preflight = (origin: string) =>
        app.inject({
          method: "OPTIONS",
          url: "/api/users",
          headers: { origin, "access-control-request-method": "POST" },
        });
      const ok = await preflight(WEB_ORIGIN);
      expect(ok.headers["access-control-allow-origin"]).toBe(WEB_ORIGIN);
      expect(ok.headers["access-control-allow-credentials"]).toBe("true");
      const evil = await preflight("http://evil.example");
      expect(evil.headers["access-control-allow-origin"]).toBeUndefined();
    });
  });

  describe("GET /api/users/me", () => {
    let userId: string;
    beforeAll(async () => {
      userId = (await insertUser(database.db, { email: "me@example.com", name: "Me", passwordHash: null })).id;
    });

    it("returns the signed-in user for either cookie name, and for a chunked cookie", async () => {
      for (const name of ["authjs.session-token", "__Secure-authjs.session-token"]) {
        const res = await app.inject({
          method: "GET",
          url: "/api/users/me",
          headers: { cookie: await sessionCookie(database, { sub: userId }, { name }) },
        });
        expect(res.statusCode).toBe(200);
        expect(res.json()).toMatchObject({ id: userId, email: "me@example.com", name: "Me" });
      }
      const whole = (await sessionCookie(database, { sub: userId })).split("=")[1] ?? "";
      const half = Math.floor(whole.length / 2);
      const chunked = `authjs.session-token.0=${whole.slice(0, half)}; authjs.session-token.1=${whole.slice(half)}`;
      const res = await app.inject({ method: "GET", url: "/api/users/me", headers: { cookie: chunked } });
      expect(res.statusCode).toBe(200);
    });

    it("answers 401 JSON without a valid session", async () => {
      const valid = await sessionCookie(database, { sub: userId });
      const middle = Math.floor(valid.length / 2) + 10;
      const cookies = [
        undefined,
        await sessionCookie(database, { sub: userId }, { maxAge: -60 }),
        await sessionCookie(database, { sub: userId }, { secret: "some-other-secret-0123456789-abcdefghij" }),
        `${valid.slice(0, middle)}${valid[middle] === "A" ? "B" : "A"}${valid.slice(middle + 1)}`,
        await sessionCookie(database, { sub: "00000000-0000-4000-8000-000000000000", sid: randomUUID() }),
        "authjs.session-token=garbage",
      ];
      for (const cookie of cookies) {
        const res = await app.inject({ method: "GET", url: "/api/users/me", headers: cookie ? { cookie } : {} });
        expect(res.statusCode).toBe(401);
        expect(res.json()).toEqual({ error: { code: "unauthorized", message: expect.any(String) } });
      }
    });
  });

  describe("GET /api/users (administrators)", () => {
    let admin: string;
    let user: string;
    beforeAll(async () => {
      admin = await sessionCookie(database, {
        sub: (await insertUser(database.db, { email: "root@example.com", name: "Root", passwordHash: null })).id,
      });
      const adminId = (await app.inject({ method: "GET", url: "/api/users/me", headers: { cookie: admin } })).json().id;
      await setUserRole(database.db, { id: adminId, role: "admin" });
      user = await sessionCookie(database, {
        sub: (await insertUser(database.db, { email: "plain@example.com", name: "Plain", passwordHash: null })).id,
      });
      for (let i = 0; i < 25; i++) {
        await insertUser(database.db, {
          email: `bulk${String(i).padStart(2, "0")}@example.com`,
          name: `Bulk ${i}`,
          passwordHash: null,
        });
      }
    });

    it("is 401 without a session and 403 for a normal user", async () => {
      expect((await app.inject({ method: "GET", url: "/api/users" })).statusCode).toBe(401);
      const res = await app.inject({ method: "GET", url: "/api/users", headers: { cookie: user } });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ error: { code: "forbidden" } });
    });

    it("pages through every user without overlap", async () => {
      const first = await app.inject({
        method: "GET",
        url: "/api/users?page=1&pageSize=10",
        headers: { cookie: admin },
      });
      expect(first.statusCode).toBe(200);
      const { total } = first.json() as { total: number };
      const seen = new Set<string>();
      for (let page = 1; page <= Math.ceil(total / 10); page++) {
        const res = await app.inject({
          method: "GET",
          url: `/api/users?page=${page}&pageSize=10`,
          headers: { cookie: admin },
        });
        const body = res.json() as { users: { id: string }[]; page: number; pageSize: number; total: number };
        expect(body).toMatchObject({ page, pageSize: 10, total });
        expect(body.users.length).toBe(Math.min(10, total - (page - 1) * 10));
        for (const u of body.users) seen.add(u.id);
      }
      expect(seen.size).toBe(total);
      expect(total).toBeGreaterThanOrEqual(27);
    });

    it.each(["pageSize=0", "page=abc", "pageSize=1000", "page=-1", "sort=name"])("refuses ?%s", async (query) => {
      const res = await app.inject({ method: "GET", url: `/api/users?${query}`, headers: { cookie: admin } });
      expect(res.statusCode).toBe(400);
    });
  });

  describe("POST /api/internal/auth/verify-password", () => {
    beforeAll(async () => {
      await register({ name: "Dee", email: "dee@example.com", password: "correct horse" });
    });

    it("does not exist for anyone without the service key", async () => {
      for (const key of [null, "", "wrong", `${SERVICE_KEY}x`]) {
        const res = await verify({ email: "dee@example.com", password: "correct horse" }, key);
        expect(res.statusCode).toBe(404);
        expect(res.json()).toMatchObject({ error: { code: "not_found" } });
      }
    });

    it("answers the user for the right password, and the same 401 for a wrong one or an unknown email", async () => {
      const ok = await verify({ email: "DEE@example.com", password: "correct horse" });
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({ user: { email: "dee@example.com", name: "Dee" } });
      const wrong = await verify({ email: "dee@example.com", password: "wrong horse" });
      const unknown = await verify({ email: "nobody@example.com", password: "wrong horse" });
      expect(wrong.statusCode).toBe(401);
      expect(unknown.statusCode).toBe(401);
      expect(wrong.body).toBe(unknown.body);
    });

    it("throttles an email from one address after repeated failures, even for the right password", async () => {
      await register({ name: "Flo", email: "flo@example.com", password: "correct horse" });
      const ip = "192.0.2.10";
      for (let i = 0; i < 3; i++)
        expect((await verify({ email: "flo@example.com", password: `nope ${i}`, ip })).statusCode).toBe(401);
      const blocked = await verify({ email: "flo@example.com", password: "correct horse", ip });
      expect(blocked.statusCode).toBe(429);
      expect(blocked.json()).toMatchObject({ error: { code: "rate_limited", message: /Try again in \d+ minutes/ } });
      expect(Number(blocked.headers["retry-after"])).toBeGreaterThan(0);
    });

    it("does not let a stranger's wrong passwords lock the owner out", async () => {
      await register({ name: "Gus", email: "gus@example.com", password: "correct horse" });
      const stranger = "203.0.113.66";
      for (let i = 0; i < 3; i++)
        expect((await verify({ email: "gus@example.com", password: `guess ${i}`, ip: stranger })).statusCode).toBe(401);
      // The stranger is throttled, and stays so however often they come back…
      for (let i = 0; i < 5; i++) {
        expect((await verify({ email: "gus@example.com", password: "guess", ip: stranger })).statusCode).toBe(429);
      }
      // …while the owner, elsewhere, signs in.
      const owner = await verify({ email: "gus@example.com", password: "correct horse", ip: "198.51.100.20" });
      expect(owner.statusCode).toBe(200);
    });

    it("throttles an email everywhere only after far more failures, from many addresses", async () => {
      await register({ name: "Hal", email: "hal@example.com", password: "correct horse" });
      for (let i = 0; i < 12; i++) {
        const res = await verify({ email: "hal@example.com", password: "guess", ip: `10.9.${i}.1` });
        expect(res.statusCode).toBe(401);
      }
      const owner = await verify({ email: "hal@example.com", password: "correct horse", ip: "198.51.100.21" });
      expect(owner.statusCode).toBe(429);
    });

    it("throttles an address across emails", async () => {
      for (let i = 0; i < 6; i++) {
        expect(
          (await verify({ email: `spray${i}@example.com`, password: "guess", ip: "203.0.113.9" })).statusCode,
        ).toBe(401);
      }
      const blocked = await verify({ email: "dee@example.com", password: "correct horse", ip: "203.0.113.9" });
      expect(blocked.statusCode).toBe(429);
      const elsewhere = await verify({ email: "dee@example.com", password: "correct horse", ip: "198.51.100.7" });
      expect(elsewhere.statusCode).toBe(200);
    });
  });

  it("answers unknown paths with 404 JSON and reports health", async () => {
    const missing = await app.inject({ method: "GET", url: "/api/nope" });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: { code: "not_found", message: "The api has no route GET /api/nope" } });
    const health = await app.inject({ method: "GET", url: "/api/health" });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toMatchObject({ status: "ok", database: { status: "up", driver } });
  });
});
