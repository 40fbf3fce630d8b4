import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, privateEventsFlow } from "./helpers/browser.ts";
import { type RunningSystem, startManualSystem } from "./helpers/system.ts";

/** Price alerts as a person sets and receives them. Each test signs up a person of its own. */
describe("price alerts in the browser", () => {
  let system: RunningSystem;
  let browser: Browser;
  let context: BrowserContext | undefined;
  let page: Page;

  beforeAll(async () => {
    [system, browser] = await Promise.all([startManualSystem(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });
  afterEach(async () => {
    await context?.close();
    context = undefined;
  });

  const url = (path: string) => `${system.webUrl}${path}`;
  const setPrice = (symbol: string, price: string) => system.setPrice(symbol, price);

  /** A browser profile of its own, signed up as a new person. */
  async function signedUpPage(name: string): Promise<Page> {
    context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    page = await context.newPage();
    await page.goto(url("/register"));
    await page.getByLabel("Name").fill(name);
    await page.getByLabel("Email").fill(`${name.split(" ")[0]?.toLowerCase()}-${Date.now()}@example.com`);
    await page.getByLabel("Password").fill("ring the bell please");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(/\/dashboard/);
    return page;
  }

  it("creates an alert, draws it on the chart, and toasts when the price gets there", async () => {
    await setPrice("BTC-USD", "60000.00");
    await signedUpPage("Alex Alert");

    await page.goto(url("/alerts"));
    const form = page.getByTestId("alert-form");
    await form.getByLabel("Market").selectOption("BTC-USD");
    await form.getByLabel("When the price").selectOption("above");
    await form.getByLabel("Price (USD)").fill("61000.00");
    await form.getByLabel("Note (optional)").fill("take profits");
    await form.getByRole("button", { name: "Create alert" }).click();
    await page.getByTestId("alert-row").filter({ hasText: "BTC-USD rises to 61,000" }).waitFor();
    await expect(page.getByTestId("alert-status").first().textContent()).resolves.toBe("active");

    await page.goto(url("/dashboard"));
    await page.locator("[data-testid=candle-chart][data-levels='1']").waitFor();
    // Private events only reach a page once its user channel is subscribed (nothing is replayed).
    await privateEventsFlow(page);

    await setPrice("BTC-USD", "61250.00");
    await page.getByTestId("toast").filter({ hasText: "BTC-USD rises to 61,000: now 61,250 (take profits)" }).waitFor();
    await page.goto(url("/alerts"));
    await page.getByTestId("alert-status").filter({ hasText: "triggered" }).waitFor();
    await page.getByTestId("alert-events").getByText("61,250").waitFor();

    // Edit the level, re-arm it, and it fires again at the new level.
    const row = page.getByTestId("alert-row").first();
    await row.getByRole("button", { name: "Edit" }).click();
    await row.getByLabel("Alert price").fill("62000.00");
    await row.getByRole("button", { name: "Save" }).click();
    await page.getByTestId("alert-row").filter({ hasText: "rises to 62,000" }).waitFor();
    await page.getByTestId("alert-row").first().getByRole("button", { name: "Re-arm" }).click();
    await page.locator("[data-testid=alert-row][data-status=active]").waitFor();
    await privateEventsFlow(page);
    await setPrice("BTC-USD", "62500.00");
    await page.getByTestId("toast").filter({ hasText: "BTC-USD rises to 62,000: now 62,500" }).waitFor();
  });

  it("shows the webhook signing secret once, in settings", async () => {
    await signedUpPage("Wren Webhook");
    await page.goto(url("/settings"));
    await page.getByText("No secret yet.").waitFor();
    await page.getByRole("button", { name: "Generate secret" }).click();
    await expect(page.getByTestId("webhook-secret").textContent()).resolves.toMatch(/^whsec_[\w-]{40,}/);
    await page.reload();
    await page.getByText("A secret is set.").waitFor();
    expect(await page.getByTestId("webhook-secret").count()).toBe(0);
  });
});
