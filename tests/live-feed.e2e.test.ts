import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { VenueServer } from "../apps/api/test/helpers/venue-server.ts";
import { launchChromium } from "./helpers/browser.ts";
import { type RunningSystem, startSystem } from "./helpers/system.ts";

const MINUTE = 60_000;

/**
 * The whole system on Binance's public data, replayed by a local server in
 * Binance's documented formats: the api is started with MARKET_FEED=binance
 * and MARKET_WS_URL / MARKET_REST_URL pointing here.
 */
describe("trading on a replayed Binance feed in the browser", () => {
  let venue: VenueServer;
  let system: RunningSystem;
  let browser: Browser;
  let context: BrowserContext | undefined;
  let page: Page;
  let keepAlive: NodeJS.Timeout | undefined;
  let tradeId = 5000;
  let updateId = 100;

  const trade = (price: string, quantity: string) => ({
    stream: "btcusdt@trade",
    data: {
      e: "trade",
      E: Date.now(),
      s: "BTCUSDT",
      t: ++tradeId,
      p: price,
      q: quantity,
      T: Date.now(),
      m: false,
      M: true,
    },
  });
  const bookTicker = () => ({
    stream: "btcusdt@bookTicker",
    data: { u: ++updateId, s: "BTCUSDT", b: "64123.00000000", B: "1.0", a: "64124.00000000", A: "1.0" },
  });
  /** Sends a bookTicker every 300 ms, as a busy market would; stopping it is a stale period. */
  const keepFresh = () => {
    clearInterval(keepAlive);
    keepAlive = setInterval(() => {
      if (venue.isOpen()) venue.send(bookTicker());
    }, 300);
  };

  beforeAll(async () => {
    venue = await VenueServer.start();
    // klines for any range asked: a flat 64,000.00 market, 0.5 BTC a minute.
    venue.route("/api/v3/klines", (url) => {
      const start = Number(url.searchParams.get("startTime"));
      const end = Math.min(Number(url.searchParams.get("endTime")), start + 999 * MINUTE);
      const rows = [];
      for (let t = Math.ceil(start / MINUTE) * MINUTE; t <= end; t += MINUTE) {
        rows.push([
          t,
          "64000.00",
          "64010.00",
          "63990.00",
          "64000.00",
          "0.5",
          t + MINUTE - 1,
          "32000",
          10,
          "0.2",
          "12800",
          "0",
        ]);
      }
      return { body: rows };
    });
    venue.route("/api/v3/depth", () => ({
      body: { lastUpdateId: 100, bids: [["64123.00", "1.0"]], asks: [["64124.00", "1.0"]] },
    }));
    [system, browser] = await Promise.all([
      startSystem({
        apiEnv: {
          MARKET_FEED: "binance",
          MARKET_SYMBOLS: "BTC-USD",
          MARKET_WS_URL: venue.wsUrl,
          MARKET_REST_URL: venue.restUrl,
          MARKET_STALE_SECONDS: "2",
          MARKET_BACKFILL_DAYS: "1",
          SLIPPAGE_RATE: "0",
        },
      }),
      launchChromium(),
    ]);
    await waitForVenue(() => venue.connections > 0 && venue.isOpen());
  });
  afterEach(async () => {
    await context?.close();
    context = undefined;
  });
  afterAll(async () => {
    clearInterval(keepAlive);
    await browser?.close();
    await system?.stop();
    await venue?.close();
  });

  const ticket = () => page.getByTestId("order-ticket");

  /**
   * Each test starts from a fresh market at `price` (a trade, then book tickers every 300 ms) and
   * a new trader in a browser profile of its own, on the dashboard showing that price.
   */
  async function freshTraderAt(price: string, name: string): Promise<void> {
    await waitForVenue(() => venue.connections > 0 && venue.isOpen());
    venue.send(trade(price, "0.25000000"));
    keepFresh();
    context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    page = await context.newPage();
    await page.goto(`${system.webUrl}/register`);
    await page.getByLabel("Name").fill(name);
    await page.getByLabel("Email").fill(`${name.split(" ")[0]?.toLowerCase()}-${Date.now()}@example.com`);
    await page.getByLabel("Password").fill("practise on real prices");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(/\/dashboard/);
    await page.getByTestId("connection-status").filter({ hasText: "Live · Binance" }).waitFor();
    await page
      .getByTestId("price-BTC-USD")
      .filter({ hasText: groupThousands(price) })
      .waitFor();
  }

  it("shows the replayed prices, where they come from and the real quote asset", async () => {
    await freshTraderAt("64123.45000000", "Lena Live");
    await page.getByTestId("price-BTC-USD").filter({ hasText: "64,123.45" }).waitFor();
    await page
      .getByTestId("chart-source")
      .filter({ hasText: "Prices from Binance · BTCUSDT, quoted in USDT" })
      .waitFor();
    await page.getByTestId("connection-status").filter({ hasText: "Live · Binance" }).waitFor();
  });

  it("fills a market order at the replayed price", async () => {
    await freshTraderAt("64123.45000000", "Mo Market");
    await ticket().getByLabel("Quantity (BTC)").fill("0.1");
    await ticket().getByRole("button", { name: "Buy BTC" }).click();
    // Slippage 0: at the last replayed trade.
    await page.getByTestId("toast").filter({ hasText: "Bought 0.1 BTC at 64,123.45" }).waitFor();
    await page.getByTestId("position-BTC-USD").waitFor();
  });

  it("refuses a market order during a stale period and shows why, then resumes by itself", async () => {
    await freshTraderAt("64150.00000000", "Stan Stale");
    clearInterval(keepAlive);
    // Nothing from the venue for MARKET_STALE_SECONDS (2 s): the page says so.
    await page.getByTestId("stale-notice").waitFor({ timeout: 30_000 });
    expect(await page.getByTestId("stale-notice").textContent()).toContain(
      "Prices are stale: Binance has sent nothing",
    );
    await page.getByTestId("connection-status").filter({ hasText: "Binance · stale" }).waitFor();
    await ticket().getByLabel("Quantity (BTC)").fill("0.05");
    await ticket().getByRole("button", { name: "Buy BTC" }).click();
    const error = page.getByTestId("ticket-error");
    await error.filter({ hasText: "BTC-USD has no fresh prices" }).waitFor();
    expect(await error.textContent()).toBe(
      "BTC-USD has no fresh prices: Binance sent nothing recently. Market orders resume when prices are fresh again.",
    );

    venue.send(trade("64200.00000000", "0.1"));
    keepFresh();
    await page.getByTestId("stale-notice").waitFor({ state: "detached", timeout: 30_000 });
    await page.getByTestId("price-BTC-USD").filter({ hasText: "64,200.00" }).waitFor();
    await ticket().getByRole("button", { name: "Buy BTC" }).click();
    await page.getByTestId("toast").filter({ hasText: "Bought 0.05 BTC at 64,200" }).waitFor();
  });
});

/** "64123.45000000" as the page shows it: "64,123.45". */
function groupThousands(price: string): string {
  const [whole = "0", fraction = ""] = price.split(".");
  const cents = `${fraction}00`.slice(0, 2);
  return `${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${cents}`;
}

async function waitForVenue(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("the api never connected to the replayed venue");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
