import type { PlaceOrderBody } from "@tradeboard/contracts";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, privateEventsFlow } from "./helpers/browser.ts";
import { type RunningSystem, startManualSystem } from "./helpers/system.ts";

/**
 * Trading as a person does it, against prices the test sets through the manual feed. Each test
 * opens its own browser profile, signs up its own trader and sets the price it starts from, so it
 * passes or fails alone, in any order.
 */
describe("paper trading in the browser", () => {
  let system: RunningSystem;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    [system, browser] = await Promise.all([startManualSystem(), launchChromium()]);
  });
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
  });
  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  const url = (path: string) => `${system.webUrl}${path}`;
  const setPrice = (symbol: string, price: string) => system.setPrice(symbol, price);
  const ticket = (page: Page) => page.getByTestId("order-ticket");
  const toast = (page: Page, text: string) => page.getByTestId("toast").filter({ hasText: text });
  const balance = (page: Page, text: string) => page.getByTestId("balance-usd").filter({ hasText: text });

  /**
   * A new account with the starting balance, signed up in a browser profile of its own, on the
   * dashboard with its private channel open. `prepare` runs on the profile before the first page
   * (routes, say); without `awaitChannel` the channel is not waited for.
   */
  async function newTrader(
    name: string,
    options: { prepare?: (context: BrowserContext) => Promise<unknown>; awaitChannel?: boolean } = {},
  ): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    contexts.push(context);
    await options.prepare?.(context);
    const page = await context.newPage();
    await page.goto(url("/register"));
    await page.getByLabel("Name").fill(name);
    await page
      .getByLabel("Email")
      .fill(`${name.split(" ")[0]?.toLowerCase()}-${Date.now()}-${contexts.length}@example.com`);
    await page.getByLabel("Password").fill("buy low sell high");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(/\/dashboard/);
    await balance(page, "$100,000.00").waitFor();
    if (options.awaitChannel !== false) await privateEventsFlow(page);
    return { context, page };
  }

  /** An order placed through the api from the page (same origin, its session cookie), for tests about what comes after. */
  async function placeFromPage(page: Page, body: PlaceOrderBody): Promise<{ id: string; status: string }> {
    const { status, json } = await page.evaluate(async (order) => {
      const response = await fetch("/api/trades", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(order),
      });
      return { status: response.status, json: await response.json() };
    }, body);
    expect(status).toBe(201);
    return json;
  }

  it("buys at market and shows the position", async () => {
    await setPrice("BTC-USD", "60000.00");
    const { page } = await newTrader("Tess Trader");
    await page.getByTestId("price-BTC-USD").filter({ hasText: "60,000.00" }).waitFor();

    await ticket(page).getByLabel("Quantity (BTC)").fill("0.1");
    // 0.1 × 60030 (60000 plus 0.05 % slippage) = 6003.00
    await expect(page.getByTestId("ticket-estimate").textContent()).resolves.toBe("$6,003.00");
    await ticket(page).getByRole("button", { name: "Buy BTC" }).click();
    await toast(page, "Bought 0.1 BTC at 60,030").waitFor();
    await page.getByTestId("position-BTC-USD").waitFor();
    expect(await page.getByTestId("position-BTC-USD").textContent()).toContain("0.1");
    // 100000 − 6003 − 6.01 fee = 93990.99
    await balance(page, "$93,990.99").waitFor();
  });

  it("refuses an order it cannot afford before sending it", async () => {
    await setPrice("BTC-USD", "60000.00");
    const { page } = await newTrader("Una Able");
    await page.getByTestId("price-BTC-USD").filter({ hasText: "60,000.00" }).waitFor();
    // 2 × 60030 = 120060, more than the 100000 the account has.
    await ticket(page).getByLabel("Quantity (BTC)").fill("2");
    await expect(page.getByTestId("ticket-error").textContent()).resolves.toBe("Not enough USD available.");
    await expect(ticket(page).getByRole("button", { name: "Buy BTC" }).isDisabled()).resolves.toBe(true);
    // 1 BTC is affordable: the same ticket lets it go.
    await ticket(page).getByLabel("Quantity (BTC)").fill("1");
    await expect(ticket(page).getByRole("button", { name: "Buy BTC" }).isDisabled()).resolves.toBe(false);
  });

  it("fills a resting limit buy when the price falls to it, without a reload", async () => {
    await setPrice("BTC-USD", "60000.00");
    const { page } = await newTrader("Lim Buyer");
    await ticket(page).getByLabel("Order type").selectOption("limit");
    await ticket(page).getByLabel("Quantity (BTC)").fill("0.2");
    await ticket(page).getByLabel("Limit price (USD)").fill("58000.00");
    await ticket(page).getByRole("button", { name: "Buy BTC" }).click();
    await toast(page, "is open").waitFor();
    await page.getByRole("tab", { name: "Open orders" }).click();
    await page.getByTestId("open-order").waitFor();

    await setPrice("BTC-USD", "57950.00");
    // Gapped below the limit: bought at 57950, better than asked.
    await toast(page, "Bought 0.2 BTC at 57,950").waitFor();
    await page.getByText("No open orders.").waitFor();
    await page.getByRole("tab", { name: "Positions" }).click();
    await page.getByTestId("position-BTC-USD").filter({ hasText: "0.2" }).waitFor();
    // 100000 − 0.2 × 57950 = 11590 − 11.59 fee = 88398.41
    await balance(page, "$88,398.41").waitFor();
  });

  it("catches up on a fill made before its private channel opened, without a reload", async () => {
    await setPrice("BTC-USD", "60000.00");
    // The page's token for the private channel is held back until the order below has filled.
    let releaseToken = () => {};
    const tokenHeld = new Promise<void>((resolve) => {
      releaseToken = resolve;
    });
    const { page } = await newTrader("Late Listener", {
      prepare: (context) =>
        context.route("**/api/realtime/token", async (route) => {
          await tokenHeld;
          await route.continue();
        }),
      awaitChannel: false,
    });

    const order = await placeFromPage(page, {
      symbol: "BTC-USD",
      side: "buy",
      type: "limit",
      quantity: "0.1",
      limitPrice: "59000.00",
      timeInForce: "gtc",
    });
    await page.getByRole("tab", { name: "Open orders" }).click();
    await page.getByTestId("open-order").waitFor();
    await setPrice("BTC-USD", "58900.00");
    await expect
      .poll(() => page.evaluate(async (id) => (await (await fetch(`/api/trades/${id}`)).json()).status, order.id))
      .toBe("filled");

    // Only now does the page's private channel open: what it shows is brought up to date.
    releaseToken();
    await privateEventsFlow(page);
    await page.getByText("No open orders.").waitFor();
    // 100000 − 0.1 × 58900 = 5890 − 5.89 fee = 94104.11
    await balance(page, "$94,104.11").waitFor();
  });

  it("waits with a stop-limit buy until the stop, then buys only at the limit or better", async () => {
    await setPrice("BTC-USD", "60000.00");
    const { page } = await newTrader("Stella Stop");
    await page.getByTestId("price-BTC-USD").filter({ hasText: "60,000.00" }).waitFor();
    await ticket(page).getByLabel("Order type").selectOption("stop_limit");
    await ticket(page).getByLabel("Quantity (BTC)").fill("0.1");
    await ticket(page).getByLabel("Stop price (USD)").fill("61000.00");
    await ticket(page).getByLabel("Limit price (USD)").fill("61500.00");
    await ticket(page).getByRole("button", { name: "Buy BTC" }).click();
    // Below its stop a buy limit of 61500 would fill at once at 60000: a stop-limit waits.
    await toast(page, "Buy 0.1 BTC is open").waitFor();
    await page.getByRole("tab", { name: "Open orders" }).click();
    await page
      .getByTestId("open-order")
      .filter({ hasText: "stop limit" })
      .filter({ hasText: "61,500 (stop 61,000)" })
      .waitFor();
    // Reserved at the limit: 0.1 × 61500 = 6150 + 6.15 fee → 93843.85 available.
    await balance(page, "$93,843.85").waitFor();

    // The price jumps past the stop and past the limit: the stop is reached, the limit is not (a stop
    // order would buy here at 61700 plus slippage).
    await setPrice("BTC-USD", "61700.00");
    await page.getByTestId("price-BTC-USD").filter({ hasText: "61,700.00" }).waitFor();
    // Back within the limit: bought as a limit order, at the price (better than the limit), no slippage.
    await setPrice("BTC-USD", "61400.00");
    await toast(page, "Bought 0.1 BTC at 61,400").waitFor();
    await page.getByText("No open orders.").waitFor();
    // 100000 − 6140 − 6.14 fee = 93853.86
    await balance(page, "$93,853.86").waitFor();
    await expect(page.getByTestId("toast").filter({ hasText: "Bought" }).count()).resolves.toBe(1);
  });

  it("cancels an open order and gives the reserved funds back", async () => {
    await setPrice("BTC-USD", "60000.00");
    const { page } = await newTrader("Cass Cancel");
    await ticket(page).getByLabel("Order type").selectOption("limit");
    await ticket(page).getByLabel("Quantity (BTC)").fill("0.1");
    await ticket(page).getByLabel("Limit price (USD)").fill("50000.00");
    await ticket(page).getByRole("button", { name: "Buy BTC" }).click();
    // 0.1 × 50000 = 5000 + 5.00 fee reserved
    await balance(page, "$94,995.00").waitFor();
    await page.getByRole("tab", { name: "Open orders" }).click();
    await page.getByTestId("open-order").getByRole("button", { name: "Cancel" }).click();
    await page.getByText("No open orders.").waitFor();
    await balance(page, "$100,000.00").waitFor();
  });

  it("lists the history with filters, exports CSV, charts equity and resets the account", async () => {
    await setPrice("BTC-USD", "60000.00");
    const { page } = await newTrader("Hugo History");
    // A market buy and a marketable limit buy (both filled), and a resting limit buy, cancelled.
    await placeFromPage(page, { symbol: "BTC-USD", side: "buy", type: "market", quantity: "0.1", timeInForce: "gtc" });
    const marketable = await placeFromPage(page, {
      symbol: "BTC-USD",
      side: "buy",
      type: "limit",
      quantity: "0.2",
      limitPrice: "61000.00",
      timeInForce: "gtc",
    });
    expect(marketable.status).toBe("filled");
    const resting = await placeFromPage(page, {
      symbol: "BTC-USD",
      side: "buy",
      type: "limit",
      quantity: "0.1",
      limitPrice: "50000.00",
      timeInForce: "gtc",
    });
    const canceled = await page.request.delete(url(`/api/trades/${resting.id}`), {
      headers: { origin: system.webUrl },
    });
    expect(canceled.status()).toBe(200);

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
    expect(lines.slice(1).every((l) => l.includes(",BTC-USD,buy,") && l.includes(",filled,"))).toBe(true);
    expect(Number(await page.getByTestId("equity-chart").getAttribute("data-points"))).toBeGreaterThan(1);

    page.once("dialog", (dialog) => void dialog.accept());
    await page.getByRole("button", { name: "Reset account" }).click();
    await toast(page, "Account reset").waitFor();
    await page.goto(url("/dashboard"));
    await balance(page, "$100,000.00").waitFor();
    await page.getByText("No positions yet").waitFor();
  });

  it("buys by amount in USD", async () => {
    await setPrice("BTC-USD", "57950.00");
    const { page } = await newTrader("Amy Amount");
    await page.getByTestId("price-BTC-USD").filter({ hasText: "57,950.00" }).waitFor();
    await ticket(page).getByRole("button", { name: "Enter an amount in USD" }).click();
    await ticket(page).getByLabel("Amount (USD)").fill("1000");
    await ticket(page).getByRole("button", { name: "Buy BTC" }).click();
    // 1000 / 57950 = 0.017256… → 0.01725 BTC (whole lots), filled at 57950 × 1.0005 = 57978.975 → 57978.98
    await toast(page, "Bought 0.01725 BTC at 57,978.98").waitFor();
  });

  it("shows orders, fills, cancels and balances in a second open tab, without a reload", async () => {
    await setPrice("BTC-USD", "60000.00");
    const { context, page: first } = await newTrader("Tab Twin");
    // The second tab is opened first and then left alone: whatever it shows later came over its WebSocket.
    const second = await context.newPage();
    await second.goto(url("/dashboard"));
    await balance(second, "$100,000.00").waitFor();
    await second.getByRole("tab", { name: "Open orders" }).click();
    await second.getByText("No open orders.").waitFor();
    await second.getByTestId("connection-status").and(second.locator("[data-status=live]")).waitFor();
    await privateEventsFlow(second);

    // Placed in the first tab: the second shows the open order and the reservation (5000 + 5.00 fee).
    await ticket(first).getByLabel("Order type").selectOption("limit");
    await ticket(first).getByLabel("Quantity (BTC)").fill("0.1");
    await ticket(first).getByLabel("Limit price (USD)").fill("50000.00");
    await ticket(first).getByRole("button", { name: "Buy BTC" }).click();
    await second.getByTestId("open-order").filter({ hasText: "50,000" }).waitFor();
    await balance(second, "$94,995.00").waitFor();

    // Filled by the market: both tabs toast it, and the second's order and balance follow.
    // 100000 − 0.1 × 49900 = 4990 − 4.99 fee = 95005.01
    await setPrice("BTC-USD", "49900.00");
    await toast(second, "Bought 0.1 BTC at 49,900").waitFor();
    await toast(first, "Bought 0.1 BTC at 49,900").waitFor();
    await second.getByText("No open orders.").waitFor();
    await balance(second, "$95,005.01").waitFor();

    // Placed and cancelled in the first tab: the second sees it come and go, and the money come back.
    await ticket(first).getByLabel("Quantity (BTC)").fill("0.1");
    await ticket(first).getByLabel("Limit price (USD)").fill("40000.00");
    await ticket(first).getByRole("button", { name: "Buy BTC" }).click();
    await second.getByTestId("open-order").filter({ hasText: "40,000" }).waitFor();
    await balance(second, "$91,001.01").waitFor(); // 95005.01 − 4000 − 4.00 fee reserved
    await first.getByRole("tab", { name: "Open orders" }).click();
    await first.getByTestId("open-order").getByRole("button", { name: "Cancel" }).click();
    await second.getByText("No open orders.").waitFor();
    await balance(second, "$95,005.01").waitFor();
  });
});
