import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { credentialsSignIn, rawRequest } from "./helpers/http.ts";
import { type RunningSystem, startSystem } from "./helpers/system.ts";

/** The /api split between the web app (Auth.js) and the api, with both apps really running. */
describe("the /api split", () => {
  let system: RunningSystem;
  beforeAll(async () => {
    // The api logs every request it answers at info: the internal-prefix test reads them.
    system = await startSystem({ apiEnv: { LOG_LEVEL: "info" } });
  });
  afterAll(async () => {
    await system?.stop();
  });

  async function get(path: string, init?: RequestInit) {
    const response = await fetch(`${system.webUrl}${path}`, { redirect: "manual", ...init });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, type: response.headers.get("content-type") ?? "", json, text, response };
  }

  it.each(["/api/auth/session", "/api/auth/csrf", "/api/auth/providers"])(
    "%s is answered by the web app as JSON",
    async (path) => {
      const res = await get(path);
      expect(res.status).toBe(200);
      expect(res.type).toContain("application/json");
      if (path.endsWith("csrf")) expect(res.json).toMatchObject({ csrfToken: expect.any(String) });
      if (path.endsWith("providers")) expect(res.json).toMatchObject({ credentials: { id: "credentials" } });
      if (path.endsWith("session")) expect(res.json).toBeNull();
    },
  );

  it.each(["/api/authenticate", "/api/auth-tokens", "/api/authors", "/api/nope"])(
    "%s reaches the api, which answers 404 JSON",
    async (path) => {
      const res = await get(path);
      expect(res.status).toBe(404);
      expect(res.json).toEqual({ error: { code: "not_found", message: `The api has no route GET ${path}` } });
    },
  );

  it("forwards method, query, body and cookies intact", async () => {
    const email = `split-${Date.now()}@example.com`;
    const created = await get("/api/users?source=split-test", {
      method: "POST",
      headers: { "content-type": "application/json", origin: system.webUrl },
      body: JSON.stringify({ name: "Split Tester", email, password: "correct horse battery" }),
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ email, name: "Split Tester", role: "user" });

    // The query string reaches the api: it picks the interval and the number of candles.
    const candles = await get("/api/markets/ETH-USD/candles?interval=1h&limit=3");
    expect(candles.status).toBe(200);
    expect(candles.json).toMatchObject({ symbol: "ETH-USD", interval: "1h" });
    expect((candles.json as { candles: unknown[] }).candles).toHaveLength(3);
    // A bad query string reaches the api's validation untouched.
    const badQuery = await get("/api/markets/ETH-USD/candles?interval=7m");
    expect(badQuery.status).toBe(400);
    expect(badQuery.json).toMatchObject({
      error: { code: "validation_failed", fields: { interval: expect.any(String) } },
    });

    // The session cookie set by the web app's Auth.js is accepted by the api behind the forward.
    const csrf = await get("/api/auth/csrf");
    const csrfCookie = csrf.response.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    const signIn = await get("/api/auth/callback/credentials", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: csrfCookie, origin: system.webUrl },
      body: new URLSearchParams({
        email,
        password: "correct horse battery",
        csrfToken: (csrf.json as { csrfToken: string }).csrfToken,
      }),
    });
    const session = signIn.response.headers.getSetCookie().find((c) => c.startsWith("authjs.session-token="));
    expect(session).toBeDefined();
    const cookie = session?.split(";")[0] ?? "";
    const me = await get("/api/users/me", { headers: { cookie } });
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ email, name: "Split Tester" });

    // One character changed anywhere in the cookie: no longer a session.
    const middle = Math.floor(cookie.length / 2);
    const flipped = cookie.slice(0, middle) + (cookie[middle] === "A" ? "B" : "A") + cookie.slice(middle + 1);
    const tampered = await get("/api/users/me", { headers: { cookie: flipped } });
    expect(tampered.status).toBe(401);
    expect(tampered.json).toMatchObject({ error: { code: "unauthorized" } });
  });

  /**
   * How long the api's log is once it holds a line for every request made before this call: the api
   * writes its lines in order but a few kilobytes at a time, so a request to it is made and its line
   * awaited (before, lines of earlier tests' requests could still be on their way).
   */
  async function settledLogLength(): Promise<number> {
    const marker = `marker-${Math.random().toString(36).slice(2)}`;
    await fetch(`${system.apiUrl}/api/health?${marker}`);
    await expect.poll(() => system.logs().includes(marker), { timeout: 10_000 }).toBe(true);
    return system.logs().length;
  }

  it.each([
    "/api/internal/auth/verify-password",
    "/api/internal",
    "/api/internal/",
    "/api/%69nternal/auth/verify-password",
    "/api/%69%6e%74%65%72%6e%61%6c/auth/verify-password",
    "/api/%2569nternal/auth/verify-password",
    "/api/INTERNAL/auth/verify-password",
    "/api/Internal/auth/verify-password",
    "/api/internal/../internal/auth/verify-password",
    "/api/x/../internal/auth/verify-password",
    "/api/x/%2e%2e/internal/auth/verify-password",
    "/api/./internal/auth/verify-password",
    "/api//internal/auth/verify-password",
    "//api/internal/auth/verify-password",
    "/api/internal%2Fauth%2Fverify-password",
    "/api/internal/auth/verify-password/",
    "/api/internal/auth/verify-password?x=1",
    "/api/internal;/auth/verify-password",
    "/api/%5Cinternal/auth/verify-password",
  ])("refuses %s in the web app itself: 404 JSON, and the api never sees it", async (path) => {
    const before = await settledLogLength();
    let res = await rawRequest(system.webUrl, path, {
      method: "POST",
      headers: { "content-type": "application/json", origin: system.webUrl },
      body: JSON.stringify({ email: "demo@tradeboard.dev", password: "tradeboard-demo" }),
    });
    // Next itself answers some spellings (repeated slashes) with a redirect to the clean path: follow it.
    for (let hops = 0; hops < 3 && res.status >= 300 && res.status < 400; hops++) {
      const next = new URL(String(res.headers.location), system.webUrl);
      expect(next.origin).toBe(system.webUrl);
      res = await rawRequest(system.webUrl, `${next.pathname}${next.search}`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: system.webUrl },
        body: "{}",
      });
    }
    expect(res.status).toBe(404);
    expect(String(res.headers["content-type"])).toContain("application/json");
    expect(res.json).toMatchObject({ error: { code: "not_found", message: expect.any(String) } });
    // The api logs every request it answers; none of these reached it.
    await settledLogLength();
    const apiLines = system
      .logs()
      .slice(before)
      .split("\n")
      .filter((line) => line.startsWith("[api]") && /nternal|%69|%2569/i.test(line));
    expect(apiLines).toEqual([]);
  });

  it("treats content-type: application/json with an empty body as no body, through the forward", async () => {
    const email = `empty-${Date.now()}@example.com`;
    const password = "empty bodies are fine";
    const created = await get("/api/users", {
      method: "POST",
      headers: { "content-type": "application/json", origin: system.webUrl },
      body: JSON.stringify({ name: "Empty Body", email, password }),
    });
    expect(created.status).toBe(201);
    const { session } = await credentialsSignIn(system.webUrl, { email, password });
    const headers = { "content-type": "application/json", origin: system.webUrl, cookie: session ?? "" };
    // POST without a payload, as many HTTP client wrappers send it.
    const reset = await rawRequest(system.webUrl, "/api/portfolio/reset", {
      method: "POST",
      headers: { ...headers, "content-length": "0" },
    });
    expect(reset.status, reset.text).toBeLessThan(300);
    // DELETE likewise: the route's own answer (no such order), not invalid_json.
    const cancel = await rawRequest(system.webUrl, "/api/trades/00000000-0000-4000-8000-000000000000", {
      method: "DELETE",
      headers: { ...headers, "content-length": "0" },
    });
    expect(cancel.status).toBe(404);
    expect(cancel.json).toMatchObject({ error: { code: "not_found" } });
    // A body that is there but broken is still refused.
    const broken = await rawRequest(system.webUrl, "/api/portfolio/reset", {
      method: "POST",
      headers,
      body: "{",
    });
    expect(broken.status).toBe(400);
    expect(broken.json).toMatchObject({ error: { code: "invalid_json" } });
  });

  it("keeps the internal endpoints closed to the public forward", async () => {
    const res = await get("/api/internal/auth/verify-password", {
      method: "POST",
      headers: { "content-type": "application/json", "x-tradeboard-service-key": "guess" },
      body: JSON.stringify({ email: "demo@tradeboard.dev", password: "tradeboard-demo" }),
    });
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ error: { code: "not_found" } });
  });

  it("sends security headers on pages", async () => {
    const res = await get("/login");
    expect(res.status).toBe(200);
    const csp = res.response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(res.response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.response.headers.get("referrer-policy")).toBeTruthy();
    expect(res.response.headers.get("strict-transport-security")).toContain("max-age=");
  });

  // Last: it stops the api.
  it("answers backend_unavailable JSON, not a plain-text 500, when the api is down", async () => {
    await system.stopApi();
    for (const [method, path] of [
      ["GET", "/api/users/me"],
      ["POST", "/api/users"],
      ["GET", "/api/authenticate"],
    ] as const) {
      const res = await get(path, {
        method,
        ...(method === "POST" ? { headers: { "content-type": "application/json" }, body: "{}" } : {}),
      });
      expect([502, 503]).toContain(res.status);
      expect(res.type).toContain("application/json");
      expect(res.json).toMatchObject({ error: { code: "backend_unavailable", message: expect.any(String) } });
    }
    // Auth.js itself keeps answering.
    expect((await get("/api/auth/session")).status).toBe(200);
  });
});
