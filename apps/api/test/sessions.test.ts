import type { AddressInfo } from "node:net";
import { encode } from "@auth/core/jwt";
import { type Database, insertUser } from "@tradeboard/db";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deriveServiceKey } from "../src/auth/service-key.ts";
import { TEST_SECRET, testApp, WEB_ORIGIN } from "./helpers/app.ts";
import { openTestDatabase, testDrivers } from "./helpers/database.ts";
import { TestSocket } from "./helpers/ws-client.ts";

const SERVICE = { "x-tradeboard-service-key": deriveServiceKey(TEST_SECRET) };
const COOKIE = "authjs.session-token";

describe.each(testDrivers)("sessions that really end, on %s", (driver) => {
  let database: Database;
  let app: FastifyInstance;
  let wsUrl: string;
  let now = Date.now();
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    database = await openTestDatabase(driver);
    ({ app } = await testApp(database, {}, { now: () => now }));
    await app.markets.init();
    await app.listen({ port: 0, host: "127.0.0.1" });
    wsUrl = `ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/ws`;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.socket.terminate();
    await app?.close();
    await database?.close();
  });

  const internal = (url: string, payload: unknown, headers: Record<string, string> = SERVICE) =>
    app.inject({ method: "POST", url, headers, payload: payload as object });

  /** What the web app's jwt callback does at sign-in: a session at the api, its id in the token. */
  async function signIn(userId: string, userAgent = "Mozilla/5.0 Firefox/140.0") {
    const res = await internal("/api/internal/sessions", { userId, userAgent });
    expect(res.statusCode).toBe(201);
    const { sessionId } = res.json() as { sessionId: string };
    const token = await encode({ token: { sub: userId, sid: sessionId }, secret: TEST_SECRET, salt: COOKIE });
    return { sessionId, cookie: `${COOKIE}=${token}` };
  }

  const me = (cookie: string) => app.inject({ method: "GET", url: "/api/users/me", headers: { cookie } });
  const trade = (cookie: string) =>
    app.inject({
      method: "POST",
      url: "/api/trades",
      headers: { cookie, origin: WEB_ORIGIN },
      payload: { symbol: "BTC-USD", side: "buy", type: "limit", quantity: "0.001", limitPrice: "1.00" },
    });

  async function userSocket(cookie: string) {
    const res = await app.inject({ method: "GET", url: "/api/realtime/token", headers: { cookie } });
    expect(res.statusCode).toBe(200);
    const { token } = res.json() as { token: string };
    const socket = await TestSocket.open(`${wsUrl}?token=${encodeURIComponent(token)}`);
    sockets.push(socket);
    socket.send({ type: "subscribe", channels: ["user"] });
    await socket.next("subscribed", (m) => m.channel === "user");
    return { socket, token };
  }

  async function person(name: string) {
    return insertUser(database.db, { email: `${name}-${driver}@example.com`, name, passwordHash: null });
  }

  it("hides the internal session endpoints from anyone without the service key", async () => {
    const user = await person("hidden");
    for (const url of ["/api/internal/sessions", "/api/internal/sessions/end", "/api/internal/sessions/check"]) {
      const res = await internal(url, { userId: user.id }, {});
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe("not_found");
    }
  });

  it("refuses bad input to the internal endpoints with 4xx JSON and creates nothing", async () => {
    const user = await person("bad-input");
    for (const payload of [{}, { userId: "nope" }, { userId: user.id, extra: 1 }, { userId: user.id, userAgent: 5 }]) {
      const res = await internal("/api/internal/sessions", payload);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe("validation_failed");
    }
    const unknown = await internal("/api/internal/sessions", { userId: "00000000-0000-4000-8000-000000000000" });
    expect(unknown.statusCode).toBe(404);
    const { cookie } = await signIn(user.id);
    const list = await app.inject({ method: "GET", url: "/api/users/me/sessions", headers: { cookie } });
    expect(list.json().sessions).toHaveLength(1);
  });

  it("refuses a token without a session id, or whose session never existed", async () => {
    const user = await person("no-sid");
    const bare = await encode({ token: { sub: user.id }, secret: TEST_SECRET, salt: COOKIE });
    expect((await me(`${COOKIE}=${bare}`)).statusCode).toBe(401);
    const made = await encode({
      token: { sub: user.id, sid: "00000000-0000-4000-8000-00000000abcd" },
      secret: TEST_SECRET,
      salt: COOKIE,
    });
    expect((await me(`${COOKIE}=${made}`)).statusCode).toBe(401);
    // Another user's session id in my token is not my session.
    const other = await signIn((await person("other")).id);
    const borrowed = await encode({ token: { sub: user.id, sid: other.sessionId }, secret: TEST_SECRET, salt: COOKIE });
    expect((await me(`${COOKIE}=${borrowed}`)).statusCode).toBe(401);
  });

  it("signing out ends the session at once: the copied cookie gets 401 everywhere and its socket closes", async () => {
    const user = await person("ann");
    const { sessionId, cookie } = await signIn(user.id);
    const copy = cookie;
    expect((await me(copy)).statusCode).toBe(200);
    const { socket, token } = await userSocket(copy);

    const out = await internal("/api/internal/sessions/end", { sessionId, userId: user.id });
    expect(out.statusCode).toBe(204);

    expect((await me(copy)).statusCode).toBe(401);
    const placed = await trade(copy);
    expect(placed.statusCode).toBe(401);
    expect(placed.json().error.code).toBe("unauthorized");
    expect(
      (await app.inject({ method: "GET", url: "/api/realtime/token", headers: { cookie: copy } })).statusCode,
    ).toBe(401);
    await expect(socket.next("error", (m) => m.channel === "user")).resolves.toMatchObject({ code: "unauthorized" });
    expect((await socket.waitClosed()).code).toBe(4001);
    // The WebSocket token handed out before the sign-out no longer opens the user channel.
    await expect(TestSocket.open(`${wsUrl}?token=${encodeURIComponent(token)}`)).rejects.toThrow("HTTP 401");
    // Signing out again is harmless.
    expect((await internal("/api/internal/sessions/end", { sessionId, userId: user.id })).statusCode).toBe(204);
    expect((await internal("/api/internal/sessions/check", { sessionId, userId: user.id })).json()).toEqual({
      active: false,
    });
  });

  it("lists a user's sessions and ends one or all the others, never another user's", async () => {
    const user = await person("bea");
    const laptop = await signIn(user.id, "Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0 Safari/537.36");
    const phone = await signIn(user.id, "Mozilla/5.0 (iPhone) Mobile Safari/604.1");
    const tablet = await signIn(user.id, "Mozilla/5.0 (iPad) Safari/604.1");
    const stranger = await signIn((await person("stranger")).id);
    const { socket: phoneSocket } = await userSocket(phone.cookie);
    const { socket: laptopSocket } = await userSocket(laptop.cookie);

    const list = await app.inject({ method: "GET", url: "/api/users/me/sessions", headers: { cookie: laptop.cookie } });
    expect(list.statusCode).toBe(200);
    const sessions = list.json().sessions as { id: string; userAgent: string; current: boolean }[];
    expect(sessions.map((s) => s.id).sort()).toEqual([laptop.sessionId, phone.sessionId, tablet.sessionId].sort());
    expect(sessions.find((s) => s.current)?.id).toBe(laptop.sessionId);
    expect(sessions.find((s) => s.id === phone.sessionId)?.userAgent).toContain("iPhone");

    // Another user's session: not found, and it keeps working.
    const foreign = await app.inject({
      method: "DELETE",
      url: `/api/users/me/sessions/${stranger.sessionId}`,
      headers: { cookie: laptop.cookie, origin: WEB_ORIGIN },
    });
    expect(foreign.statusCode).toBe(404);
    expect((await me(stranger.cookie)).statusCode).toBe(200);
    const bad = await app.inject({
      method: "DELETE",
      url: "/api/users/me/sessions/not-a-uuid",
      headers: { cookie: laptop.cookie, origin: WEB_ORIGIN },
    });
    expect(bad.statusCode).toBe(400);

    const endTablet = await app.inject({
      method: "DELETE",
      url: `/api/users/me/sessions/${tablet.sessionId}`,
      headers: { cookie: laptop.cookie, origin: WEB_ORIGIN },
    });
    expect(endTablet.statusCode).toBe(204);
    expect((await me(tablet.cookie)).statusCode).toBe(401);

    const others = await app.inject({
      method: "POST",
      url: "/api/users/me/sessions/end-others",
      headers: { cookie: laptop.cookie, origin: WEB_ORIGIN },
    });
    expect(others.json()).toEqual({ ended: 1 });
    expect((await me(phone.cookie)).statusCode).toBe(401);
    expect((await trade(phone.cookie)).statusCode).toBe(401);
    expect((await phoneSocket.waitClosed()).code).toBe(4001);
    expect((await me(laptop.cookie)).statusCode).toBe(200);
    // The session that asked keeps its socket.
    laptopSocket.send({ type: "ping" });
    await laptopSocket.next("pong");
    expect(laptopSocket.closed).toBeUndefined();
  });

  it("answers from memory and writes last seen at most once a minute", async () => {
    const user = await person("cleo");
    const { cookie } = await signIn(user.id);
    const lastSeen = async () =>
      (
        (await app.inject({ method: "GET", url: "/api/users/me/sessions", headers: { cookie } })).json().sessions as {
          lastSeenAt: string;
        }[]
      )[0]?.lastSeenAt;
    const first = await lastSeen();
    now += 30_000;
    expect((await me(cookie)).statusCode).toBe(200);
    expect(await lastSeen()).toBe(first);
    now += 31_000;
    expect((await me(cookie)).statusCode).toBe(200);
    const later = await lastSeen();
    expect(new Date(later ?? 0).getTime()).toBe(now);
  });
});
