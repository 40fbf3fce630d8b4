import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningSystem, startSystem } from "./helpers/system.ts";

/** The /api split between the web app (Auth.js) and the api, with both apps really running. */
describe("the /api split", () => {
  let system: RunningSystem;
  beforeAll(async () => {
    system = await startSystem();
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

    // A bad query string reaches the api's validation untouched.
    const badQuery = await get("/api/users?pageSize=0");
    expect(badQuery.status).toBe(401); // authentication comes before validation

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
