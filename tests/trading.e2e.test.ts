import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./helpers/browser.ts";
import { type RunningSystem, startManualSystem } from "./helpers/system.ts";

/** Trading as a person does it, against prices the test sets through the manual feed. */
describe("paper trading in the browser", () => {
  let system: RunningSystem;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    [system, browser] = await Promise.all([startManualSystem(), launchChromium()]);
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  });
  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  const url = (path: string) => `${system.webUrl}${path}`;
  const setPrice = (symbol: string, price: string) => system.setPrice(symbol, price);
  const ticket = () => page.getByTestId("order-ticket");
  const toastText = () => page.getByTestId("toast").last().textContent();

  it("buys at market and shows the position", async () => {
    await setPrice("BTC-USD", "60000.00");
    await page.goto(url("/register"));
    await page.getByLabel("Name").fill("Tess Trader");
    await page.getByLabel("Email").fill(`tess-${Date.now()}@example.com`);
    await page.getByLabel("Password").fill("buy low sell high");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(/\/dashboard/);
    await page.getByTestId("price-BTC-USD").filter({ hasText: "60,000.00" }).waitFor();

    await ticket().getByLabel("Quantity (BTC)").fill("0.1");
    // 0.1 × 60030 (60000 plus 0.05 % slippage) = 6003.00
    await expect(page.getByTestId("ticket-estimate").textContent()).resolves.toBe("$6,003.00");
    await ticket().getByRole("button", { name: "Buy BTC" }).click();
    await page.getByTestId("toast").filter({ hasText: "Bought 0.1 BTC at 60,030" }).waitFor();
    await page.getByTestId("position-BTC-USD").waitFor();
    expect(await page.getByTestId("position-BTC-USD").textContent()).toContain("0.1");
    // 100000 − 6003 − 6.01 fee = 93990.99
    await page.getByTestId("balance-usd").filter({ hasText: "$93,990.99" }).waitFor();
  });

  it("refuses an order it cannot afford before sending it", async () => {
    await ticket().getByLabel("Quantity (BTC)").fill("5");
    await expect(page.getByTestId("ticket-error").textContent()).resolves.toBe("Not enough USD available.");
    await expect(ticket().getByRole("button", { name: "Buy BTC" }).isDisabled()).resolves.toBe(true);
  });

  it("fills a resting limit buy when the price falls to it, without a reload", async () => {
    await ticket().getByLabel("Order type").selectOption("limit");
    await ticket().getByLabel("Quantity (BTC)").fill("0.2");
    await ticket().getByLabel("Limit price (USD)").fill("58000.00");
    await ticket().getByRole("button", { name: "Buy BTC" }).click();
    await page.getByTestId("toast").filter({ hasText: "is open" }).waitFor();
    await page.getByRole("tab", { name: "Open orders" }).click();
    await page.getByTestId("open-order").waitFor();

    await setPrice("BTC-USD", "57950.00");
    await page.getByTestId("toast").filter({ hasText: "Bought 0.2 BTC at 57,950" }).waitFor();
    await page.getByText("No open orders.").waitFor();
    await page.getByRole("tab", { name: "Positions" }).click();
    await page.getByTestId("position-BTC-USD").filter({ hasText: "0.3" }).waitFor();
    expect(await toastText()).toContain("Bought 0.2 BTC");
  });

  it("cancels an open order and gives the reserved funds back", async () => {
    const before = await page.getByTestId("balance-usd").textContent();
    await ticket().getByLabel("Quantity (BTC)").fill("0.1");
    await ticket().getByLabel("Limit price (USD)").fill("50000.00");
    await ticket().getByRole("button", { name: "Buy BTC" }).click();
    await page
      .getByTestId("balance-usd")
      .filter({ hasNotText: before ?? "" })
      .waitFor();
    await page.getByRole("tab", { name: "Open orders" }).click();
    await page.getByTestId("open-order").getByRole("button", { name: "Cancel" }).click();
    await page.getByText("No open orders.").waitFor();
    await page
      .getByTestId("balance-usd")
      .filter({ hasText: before ?? "" })
      .waitFor();
  });

  it("lists the history with filters, exports CSV, charts equity and resets the account", async () => {
    await page.goto(url("/history"));
    const rows = page.getByTestId("order-history").locator("tbody tr");
    await rows.first().waitFor();
    expect(await rows.count()).toBe(3);
    await page.getByLabel("Status").selectOption("filled");
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=order-history] tbody tr").length === 2);
    const csv = await page.request.get(url("/api/trades/export.csv?status=filled"));
    expect(csv.status()).toBe(200);
    const lines = (await csv.text()).trim().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines.slice(1).every((l) => l.includes(",BTC-USD,buy,"))).toBe(true);
    expect(Number(await page.getByTestId("equity-chart").getAttribute("data-points"))).toBeGreaterThan(1);

    page.once("dialog", (dialog) => void dialog.accept());
    await page.getByRole("button", { name: "Reset account" }).click();
    await page.getByTestId("toast").filter({ hasText: "Account reset" }).waitFor();
    await page.goto(url("/dashboard"));
    await page.getByTestId("balance-usd").filter({ hasText: "$100,000.00" }).waitFor();
    await page.getByText("No positions yet").waitFor();
  });

  it("buys by amount in USD", async () => {
    await ticket().getByRole("button", { name: "Enter an amount in USD" }).click();
    await ticket().getByLabel("Amount (USD)").fill("1000");
    await ticket().getByRole("button", { name: "Buy BTC" }).click();
    // 1000 / 57950 = 0.017256… → 0.01725 BTC (whole lots), filled at 57950 × 1.0005 = 57978.975 → 57978.98
    await page.getByTestId("toast").filter({ hasText: "Bought 0.01725 BTC at 57,978.98" }).waitFor();
  });
});
