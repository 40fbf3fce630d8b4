import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./helpers/browser.ts";
import { credentialsSignIn } from "./helpers/http.ts";
import { type RunningSystem, startSystem } from "./helpers/system.ts";

/**
 * callbackUrl values as a link would carry them (already URL-encoded), each of
 * which some check let through at some time somewhere: browsers drop tabs and
 * newlines, read a backslash as a slash and a leading space as nothing.
 */
const HOSTILE = [
  "/%09/evil.example",
  "/%0a/evil.example",
  "/%0d%0a/evil.example",
  "%09//evil.example",
  "%20//evil.example",
  "//evil.example",
  "///evil.example",
  "/%5Cevil.example",
  "/%5C/evil.example",
  "%5C%5Cevil.example",
  "/.//evil.example",
  "https://evil.example/dashboard",
  "https:evil.example",
  "javascript:window.__tradeboardPwned%3D1",
  "data:text/html,hello",
];

const DEMO = { email: "demo@tradeboard.dev", password: "tradeboard-demo" };

/** Where a person lands after sign-in: never another site. */
describe("the redirect after sign-in", () => {
  let system: RunningSystem;
  let browser: Browser;

  beforeAll(async () => {
    [system, browser] = await Promise.all([startSystem(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  /** A fresh browser profile that records (and stops) every request to another host. */
  async function isolatedContext(): Promise<{ context: BrowserContext; offSite: string[] }> {
    const context = await browser.newContext();
    const offSite: string[] = [];
    const web = new URL(system.webUrl);
    await context.route("**/*", (route) => {
      const target = new URL(route.request().url());
      const ours = target.host === web.host || target.hostname === "localhost" || target.hostname === "127.0.0.1";
      if (ours) return route.continue();
      offSite.push(route.request().url());
      return route.abort();
    });
    return { context, offSite };
  }

  it.each(HOSTILE)("signing in on /login?callbackUrl=%s lands on the dashboard", async (callbackUrl) => {
    const { context, offSite } = await isolatedContext();
    try {
      const page = await context.newPage();
      await page.goto(`${system.webUrl}/login?callbackUrl=${callbackUrl}`);
      await page.getByLabel("Email").fill(DEMO.email);
      await page.getByLabel("Password").fill(DEMO.password);
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await page.waitForURL((url) => url.pathname !== "/login", { timeout: 30_000 }).catch(() => {});
      expect(offSite).toEqual([]);
      expect(new URL(page.url()).origin).toBe(system.webUrl);
      expect(new URL(page.url()).pathname).toBe("/dashboard");
      await page.getByTestId("greeting").waitFor();
      expect(await page.evaluate(() => (window as { __tradeboardPwned?: number }).__tradeboardPwned)).toBeUndefined();
    } finally {
      await context.close();
    }
  });

  it.each(HOSTILE)(
    "an already signed-in person opening /login?callbackUrl=%s stays on this site",
    async (callbackUrl) => {
      const signedIn = await credentialsSignIn(system.webUrl, DEMO);
      const [name, value] = (signedIn.session ?? "").split(/=(.*)/s);
      const { context, offSite } = await isolatedContext();
      try {
        await context.addCookies([{ name: name ?? "", value: value ?? "", url: system.webUrl }]);
        const page = await context.newPage();
        await page.goto(`${system.webUrl}/login?callbackUrl=${callbackUrl}`).catch(() => {});
        expect(offSite).toEqual([]);
        expect(new URL(page.url()).origin).toBe(system.webUrl);
        expect(new URL(page.url()).pathname).toBe("/dashboard");
      } finally {
        await context.close();
      }
    },
  );

  it.each([
    ["/dashboard%3Fsymbol%3DETH-USD", "/dashboard?symbol=ETH-USD"],
    ["/alerts", "/alerts"],
  ])("still follows a path on this site: %s", async (callbackUrl, expected) => {
    const { context } = await isolatedContext();
    try {
      const page = await context.newPage();
      await page.goto(`${system.webUrl}/login?callbackUrl=${callbackUrl}`);
      await page.getByLabel("Email").fill(DEMO.email);
      await page.getByLabel("Password").fill(DEMO.password);
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await page.waitForURL((url) => url.pathname !== "/login");
      const landed = new URL(page.url());
      expect(`${landed.pathname}${landed.search}`).toBe(expected);
    } finally {
      await context.close();
    }
  });

  it("follows an absolute URL of this very site", async () => {
    const { context } = await isolatedContext();
    try {
      const page = await context.newPage();
      await page.goto(`${system.webUrl}/login?callbackUrl=${encodeURIComponent(`${system.webUrl}/alerts`)}`);
      await page.getByLabel("Email").fill(DEMO.email);
      await page.getByLabel("Password").fill(DEMO.password);
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await page.waitForURL(`${system.webUrl}/alerts`);
    } finally {
      await context.close();
    }
  });

  it.each(HOSTILE)("Auth.js's own endpoints send callbackUrl=%s nowhere but this site", async (encoded) => {
    const callbackUrl = decodeURIComponent(encoded);
    const signedIn = await credentialsSignIn(system.webUrl, { ...DEMO, callbackUrl });
    expect(signedIn.session).toBeDefined();
    expect(new URL(signedIn.location, system.webUrl).origin).toBe(system.webUrl);

    const csrf = await fetch(`${system.webUrl}/api/auth/csrf`);
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const cookies = csrf.headers.getSetCookie().map((c) => c.split(";")[0]);
    const signOut = await fetch(`${system.webUrl}/api/auth/signout`, {
      method: "POST",
      redirect: "manual",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        cookie: [...cookies, signedIn.session].join("; "),
      },
      body: new URLSearchParams({ csrfToken, callbackUrl }),
    });
    expect(signOut.status).toBe(302);
    expect(new URL(signOut.headers.get("location") ?? "", system.webUrl).origin).toBe(system.webUrl);

    const signInPage = await fetch(`${system.webUrl}/api/auth/signin?callbackUrl=${encoded}`, { redirect: "manual" });
    const location = new URL(signInPage.headers.get("location") ?? "", system.webUrl);
    expect(location.origin).toBe(system.webUrl);
  });
});
