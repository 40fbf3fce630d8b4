import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./helpers/browser.ts";
import { credentialsSignIn, rawRequest } from "./helpers/http.ts";
import { type RunningSystem, startSystem } from "./helpers/system.ts";

/**
 * Per-address limits as a client reaches them through the web app. Each test
 * speaks from an address of its own on the loopback range, so that no test
 * uses up another's allowance.
 */
const LIMITS = { LOGIN_MAX_FAILURES_PER_IP: "3", REGISTRATIONS_PER_IP: "2" };

const signUpBody = (tag: string) =>
  JSON.stringify({
    name: "Spoofer",
    email: `${tag}-${Date.now()}-${Math.random()}@example.com`,
    password: "long enough 1",
  });

describe("the client address, with nobody trusted in front of the web app", () => {
  let system: RunningSystem;
  beforeAll(async () => {
    system = await startSystem({ apiEnv: LIMITS });
  });
  afterAll(async () => {
    await system?.stop();
  });

  it("throttles failed sign-ins from one address however it fills in X-Forwarded-For", async () => {
    const codes: (string | null)[] = [];
    for (let i = 0; i < 4; i++) {
      const attempt = await credentialsSignIn(
        system.webUrl,
        { email: `nobody-${i}@example.com`, password: "wrong guess" },
        {
          localAddress: "127.0.0.2",
          headers: {
            "x-forwarded-for": `198.51.100.${i + 1}, 203.0.113.${i + 1}`,
            "x-tradeboard-client-address": `203.0.113.${i + 1}`,
          },
        },
      );
      codes.push(attempt.code);
    }
    // Three failures from this address are heard; the fourth is throttled.
    expect(codes).toEqual(["invalid_credentials", "invalid_credentials", "invalid_credentials", "rate_limited"]);
  });

  it("limits sign-ups from one address however it fills in X-Forwarded-For: 429 with Retry-After", async () => {
    const statuses: number[] = [];
    let refused: Awaited<ReturnType<typeof rawRequest>> | undefined;
    for (let i = 0; i < 3; i++) {
      const res = await rawRequest(system.webUrl, "/api/users", {
        method: "POST",
        localAddress: "127.0.0.3",
        headers: {
          "content-type": "application/json",
          origin: system.webUrl,
          "x-forwarded-for": `198.51.100.${10 + i}`,
          "x-real-ip": `198.51.100.${10 + i}`,
          "x-tradeboard-client-address": `198.51.100.${10 + i}`,
        },
        body: signUpBody(`spoof${i}`),
      });
      statuses.push(res.status);
      if (res.status === 429) refused = res;
    }
    expect(statuses).toEqual([201, 201, 429]);
    expect(Number(refused?.headers["retry-after"])).toBeGreaterThan(0);
    expect(refused?.json).toMatchObject({ error: { code: "rate_limited", message: /Too many sign-ups/ } });
  });

  it("tells the person on the sign-up form when the address has signed up too often", async () => {
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      const page = await browser.newPage();
      // Chromium speaks from 127.0.0.1, an address no other test here uses.
      for (let i = 0; i < 3; i++) {
        await page.goto(`${system.webUrl}/register`);
        await page.getByLabel("Name").fill("Form Filler");
        await page.getByLabel("Email").fill(`form-${i}-${Date.now()}@example.com`);
        await page.getByLabel("Password").fill("long enough 1");
        await page.getByRole("button", { name: "Create account" }).click();
        if (i < 2) {
          await page.waitForURL(/\/dashboard/);
          await page.context().clearCookies();
        }
      }
      await page.locator("form [role=alert]").waitFor();
      await expect(page.locator("form [role=alert]").textContent()).resolves.toMatch(
        /^Too many sign-ups from your network\. Try again in \d+ minutes\.$/,
      );
      expect(new URL(page.url()).pathname).toBe("/register");
    } finally {
      await browser?.close();
    }
  });
});

describe("the client address, with WEB_TRUST_PROXY naming the proxy in front", () => {
  let system: RunningSystem;
  beforeAll(async () => {
    system = await startSystem({ apiEnv: LIMITS, webEnv: { WEB_TRUST_PROXY: "loopback" } });
  });
  afterAll(async () => {
    await system?.stop();
  });

  it("takes the address the trusted proxy appended, so clients behind it are counted apart", async () => {
    const signUp = (client: string, i: number) =>
      rawRequest(system.webUrl, "/api/users", {
        method: "POST",
        localAddress: "127.0.0.4",
        // What a proxy on loopback sends: whatever the client claimed, then the address it saw.
        headers: {
          "content-type": "application/json",
          origin: system.webUrl,
          "x-forwarded-for": `10.0.0.1, ${client}`,
        },
        body: signUpBody(`proxied${i}`),
      });
    expect((await signUp("203.0.113.7", 1)).status).toBe(201);
    expect((await signUp("203.0.113.7", 2)).status).toBe(201);
    expect((await signUp("203.0.113.7", 3)).status).toBe(429);
    // Another client behind the same proxy has its own allowance.
    expect((await signUp("203.0.113.8", 4)).status).toBe(201);
  });
});
