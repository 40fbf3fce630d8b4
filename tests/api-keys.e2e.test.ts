import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./helpers/browser.ts";
import { type RunningSystem, startSystem } from "./helpers/system.ts";

/**
 * A person makes a key for a bot in Settings, copies it once, the bot uses it, the person revokes it.
 * Each test signs up its own person in a browser profile of its own.
 */
describe("API keys in Chromium", () => {
  let system: RunningSystem;
  let browser: Browser;
  let context: BrowserContext | undefined;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
    system = await startSystem();
  });
  afterEach(async () => {
    await context?.close();
    context = undefined;
  });
  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  const url = (path: string) => `${system.webUrl}${path}`;
  const asBot = (key: { keyId: string; secret: string }, path: string, init: RequestInit = {}) =>
    fetch(`${system.apiUrl}${path}`, {
      ...init,
      headers: { "APCA-API-KEY-ID": key.keyId, "APCA-API-SECRET-KEY": key.secret, ...init.headers },
    });

  /** A new account, signed up in a new browser profile that may use the clipboard. */
  async function signedUp(name: string): Promise<void> {
    context = await browser.newContext();
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: system.webUrl });
    page = await context.newPage();
    await page.goto(url("/register"));
    await page.getByLabel("Name").fill(name);
    await page.getByLabel("Email").fill(`${name.replace(" ", "-").toLowerCase()}-${Date.now()}@example.com`);
    await page.getByLabel("Password").fill("analytical engine 1843");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(url("/dashboard"));
  }

  it("creates a key, shows its secret once, the key works against the api, then is revoked and stops working", async () => {
    await signedUp("Ada Bot");
    await page.goto(url("/settings"));
    await page.getByTestId("no-api-keys").waitFor();
    await page.getByLabel("Name", { exact: true }).fill("grid bot");
    await page.getByLabel("Scope").selectOption("trade");
    await page.getByRole("button", { name: "Create key" }).click();
    await page.getByTestId("new-api-key").waitFor();
    const keyId = (await page.getByTestId("new-key-id").textContent()) ?? "";
    const secret = (await page.getByTestId("new-key-secret").textContent()) ?? "";
    expect(keyId).toMatch(/^TB[0-9A-Z]{18}$/);
    expect(secret.length).toBeGreaterThanOrEqual(43);
    await page.getByRole("button", { name: "Copy secret (apca_api_secret_key)" }).click();
    await expect(page.evaluate(() => navigator.clipboard.readText())).resolves.toBe(secret);
    await page.getByTestId("api-key").filter({ hasText: "grid bot" }).filter({ hasText: "last used never" }).waitFor();

    // The bot: Alpaca's account endpoint and the native portfolio, with the key alone.
    const key = { keyId, secret };
    const account = await asBot(key, "/alpaca/v2/account");
    expect(account.status).toBe(200);
    expect(await account.json()).toMatchObject({ status: "ACTIVE", cash: "100000.00" });
    expect((await asBot(key, "/api/portfolio")).status).toBe(200);

    // Gone after a reload; the list says when the key was used.
    for (let i = 0; i < 20; i++) {
      await page.reload();
      await page.getByTestId("api-key").first().waitFor();
      if (!(await page.getByTestId("api-key").first().textContent())?.includes("last used never")) break;
      await page.waitForTimeout(250);
    }
    await expect(page.getByTestId("new-api-key").count()).resolves.toBe(0);
    await expect(page.content()).resolves.not.toContain(secret);
    await expect(page.getByTestId("api-key").first().textContent()).resolves.not.toContain("last used never");

    page.once("dialog", (confirm) => void confirm.accept());
    await page.getByTestId("api-key").getByRole("button", { name: "Revoke" }).click();
    await page.getByTestId("api-key").filter({ hasText: "revoked" }).waitFor();
    const refused = await asBot(key, "/alpaca/v2/account");
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ code: 40110000, message: "request is not authorized" });
    expect((await asBot(key, "/api/portfolio")).status).toBe(401);
  });

  it("links to the interactive API reference, served through the web app", async () => {
    await signedUp("Ref Reader");
    await page.goto(url("/settings"));
    await page.getByRole("link", { name: "API reference" }).click();
    await page.waitForURL(url("/api/docs"));
    await reference(page);
  });

  async function reference(page: Page) {
    // Scalar renders the document it fetched from /api/openapi.json (the CSP lets its script run).
    await page.getByText("Tradeboard API").first().waitFor({ timeout: 30_000 });
    // The operations of the document, grouped by tag (groups after the first load as they are opened).
    await page.getByText("Liveness and database status").first().waitFor();
    await page.getByText("api keys").first().waitFor();
    await page.screenshot({ path: "/tmp/shots/api-docs.png" });
  }

  it("serves the reference to anyone, signed in or not", async () => {
    const anonymous = await browser.newPage();
    await anonymous.goto(url("/api/docs"));
    await reference(anonymous);
    await anonymous.close();
  });

  it("looks right in both themes, on a desktop and at phone width (screenshots for review)", async () => {
    await signedUp("Shot Taker");
    for (const theme of ["light", "dark"] as const) {
      for (const [width, height] of [
        [1280, 900],
        [390, 844],
      ] as const) {
        await page.setViewportSize({ width, height });
        await page.goto(url("/settings"));
        await page.evaluate((t) => localStorage.setItem("theme", t), theme);
        await page.reload();
        await page.getByLabel("Name", { exact: true }).fill(`${theme} ${width}`);
        await page.getByRole("button", { name: "Create key" }).click();
        await page.getByTestId("new-api-key").waitFor();
        await page.screenshot({ path: `/tmp/shots/api-keys-${theme}-${width}.png`, fullPage: true });
        await page.getByRole("button", { name: "Done" }).click();
      }
    }
  });
});
