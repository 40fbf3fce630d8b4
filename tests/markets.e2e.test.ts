import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./helpers/browser.ts";
import { type RunningSystem, startSystem } from "./helpers/system.ts";

/** Live markets as a visitor and a trader see them, in Chromium. Each test opens its own browser profile. */
describe("live markets in the browser", () => {
  let system: RunningSystem;
  let browser: Browser;
  let context: BrowserContext | undefined;
  let page: Page;

  beforeAll(async () => {
    [system, browser] = await Promise.all([startSystem(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });
  /** Set while a test has the api stopped: if it fails then, the api is started again for the next test. */
  let apiStopped = false;
  afterEach(async () => {
    await context?.close();
    context = undefined;
    if (apiStopped) {
      await system.startApi();
      apiStopped = false;
    }
  });

  const url = (path: string) => `${system.webUrl}${path}`;
  const text = async (testId: string) => (await page.getByTestId(testId).textContent())?.trim() ?? "";

  async function freshPage(): Promise<Page> {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    return page;
  }

  async function signInAsDemo(callbackUrl: string) {
    await page.goto(url(`/login?callbackUrl=${encodeURIComponent(callbackUrl)}`));
    await page.getByLabel("Email").fill("demo@tradeboard.dev");
    await page.getByLabel("Password").fill("tradeboard-demo");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL(/\/dashboard/);
  }

  /** What is shown now, and then the assertion that it changes (the simulated feed ticks four times a second). */
  async function expectToChange(testId: string): Promise<string> {
    const before = await text(testId);
    await expect.poll(() => text(testId), { timeout: 15_000, interval: 200 }).not.toBe(before);
    return text(testId);
  }

  it("shows visitors at least five markets with prices that move", async () => {
    await freshPage();
    await page.goto(url("/"));
    for (const symbol of ["BTC-USD", "ETH-USD", "SOL-USD", "DOGE-USD", "AVAX-USD"]) {
      await page.getByTestId(`price-${symbol}`).waitFor();
      expect(await text(`price-${symbol}`)).toMatch(/^[\d,]+\.\d+$/);
    }
    await page.getByTestId("connection-status").and(page.locator("[data-status=live]")).waitFor();
    expect(await expectToChange("price-BTC-USD")).toMatch(/^[\d,]+\.\d+$/);
  });

  it("charts a market with its history and switches intervals", async () => {
    await freshPage();
    await signInAsDemo("/dashboard?symbol=ETH-USD");
    await page.getByTestId("chart-symbol").filter({ hasText: "ETH/USD" }).waitFor();
    const chart = page.getByTestId("candle-chart");
    await chart.locator("canvas").first().waitFor();
    // Two days of one-minute history: the chart gets its 500 most recent candles.
    expect(Number(await chart.getAttribute("data-candles"))).toBeGreaterThanOrEqual(500);
    const box = await chart.locator("canvas").first().boundingBox();
    expect(box?.width).toBeGreaterThan(300);
    expect(box?.height).toBeGreaterThan(200);

    expect(await expectToChange("chart-price")).toMatch(/^[\d,]+\.\d{2}$/);

    const request = page.waitForRequest((r) => r.url().includes("/api/markets/ETH-USD/candles?interval=1h"));
    await page.getByRole("button", { name: "1h", exact: true }).click();
    await request;
    await page.waitForURL(/interval=1h/);
    await expect(page.getByRole("button", { name: "1h", exact: true }).getAttribute("aria-pressed")).resolves.toBe(
      "true",
    );
    // 1h candles of two days: about 48, far fewer than the 1m chart had.
    await page.waitForFunction(() => {
      const count = Number(document.querySelector("[data-testid=candle-chart]")?.getAttribute("data-candles"));
      return count > 24 && count < 100;
    });

    await page.getByTestId("market-row-SOL-USD").click();
    await page.waitForURL(/symbol=SOL-USD/);
    await page.getByTestId("chart-symbol").filter({ hasText: "SOL/USD" }).waitFor();
  });

  it("says it is reconnecting when the api goes away, then goes live and refetches without a reload", async () => {
    await freshPage();
    await signInAsDemo("/dashboard?symbol=SOL-USD&interval=1h");
    await page.getByTestId("chart-symbol").filter({ hasText: "SOL/USD" }).waitFor();
    await page.getByTestId("connection-status").and(page.locator("[data-status=live]")).waitFor();
    await system.stopApi();
    apiStopped = true;
    await page.getByTestId("connection-status").and(page.locator("[data-status=reconnecting]")).waitFor();
    expect(await text("connection-status")).toBe("Reconnecting…");
    const frozen = await text("chart-price");
    await page.waitForTimeout(1_000);
    expect(await text("chart-price")).toBe(frozen);

    // Back online, whatever was missed is fetched again: the markets and the chart's candles.
    const refetched = Promise.all([
      page.waitForRequest((r) => new URL(r.url()).pathname === "/api/markets", { timeout: 60_000 }),
      page.waitForRequest((r) => r.url().includes("/api/markets/SOL-USD/candles?interval=1h"), { timeout: 60_000 }),
    ]);
    await system.startApi();
    apiStopped = false;
    await page.getByTestId("connection-status").and(page.locator("[data-status=live]")).waitFor({ timeout: 30_000 });
    await refetched;
    await expectToChange("chart-price");
  });
});
