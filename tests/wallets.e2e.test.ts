import type { Browser, BrowserContext, Page } from "playwright-core";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./helpers/browser.ts";
import { installInjectedWallet } from "./helpers/injected-wallet.ts";
import { type RunningSystem, startSystem } from "./helpers/system.ts";

const short = (address: string) => `${address.slice(0, 6)}…${address.slice(-4)}`;

/** A person with a browser wallet: sign in with Ethereum; a person with an email account: link a wallet. */
describe("wallets in Chromium", () => {
  let system: RunningSystem;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    system = await startSystem();
  });
  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });
  // Each test has its own browser profiles (and wallets), closed after it.
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });

  const url = (path: string) => `${system.webUrl}${path}`;
  /** "Sign in with Ethereum", then the test wallet in the dialog (which signs at once). */
  async function signInWithWallet(page: Page) {
    await page.goto(url("/login"));
    await page.getByRole("button", { name: "Sign in with Ethereum" }).and(page.locator(":enabled")).click();
    await page.getByRole("dialog", { name: "Connect a wallet" }).getByRole("button", { name: "Test Wallet" }).click();
  }

  async function pageWithWallet(
    account = privateKeyToAccount(generatePrivateKey()),
    options: { rejectSigning?: boolean } = {},
  ): Promise<Page> {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await installInjectedWallet(page, account, options);
    return page;
  }

  it("signs in with Ethereum from the login page and lands on the dashboard", async () => {
    const account = privateKeyToAccount(generatePrivateKey());
    const page = await pageWithWallet(account);
    await page.goto(url("/login"));
    await page.getByRole("button", { name: "Sign in with Ethereum" }).and(page.locator(":enabled")).click();
    const dialog = page.getByRole("dialog", { name: "Connect a wallet" });
    await dialog.waitFor();
    // The wallet announced itself (EIP-6963) and is listed by its name; the generic entry is not repeated.
    await expect(dialog.getByRole("button", { name: "Browser wallet" }).count()).resolves.toBe(0);
    await dialog.getByRole("button", { name: "Test Wallet" }).click();
    await page.waitForURL(url("/dashboard"));
    await expect(page.getByTestId("balance-usd").textContent()).resolves.toBe("$100,000.00");
    await expect(page.getByTestId("header-wallet").textContent()).resolves.toContain(short(account.address));
    await expect(page.getByTestId("header-user").textContent()).resolves.toBe(short(account.address));
  });

  it("says so when the person declines to sign in the wallet", async () => {
    const page = await pageWithWallet(undefined, { rejectSigning: true });
    await signInWithWallet(page);
    await page.getByText("The request was rejected in the wallet.").waitFor();
    expect(new URL(page.url()).pathname).toBe("/login");
  });

  it("says why when the api refuses the signed message", async () => {
    const page = await pageWithWallet();
    // Every message this wallet signs is replayed-proofed by the api; make the page's nonce unusable first.
    await page.route("**/api/siwe/nonce", (route) =>
      route.fulfill({ contentType: "application/json", body: JSON.stringify({ nonce: "neverIssued12345" }) }),
    );
    await signInWithWallet(page);
    await page.getByText("That sign-in message was already used. Please sign again.").waitFor();
    expect(new URL(page.url()).pathname).toBe("/login");
  });

  it("links a wallet to an email account in settings; the wallet then signs in to that account; unlinks", async () => {
    const account = privateKeyToAccount(generatePrivateKey());
    const page = await pageWithWallet(account);
    const email = `grace-${Date.now()}@example.com`;
    await page.goto(url("/register"));
    await page.getByLabel("Name").fill("Grace Hopper");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("cobol compiler 1959");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(url("/dashboard"));

    await page.goto(url("/settings"));
    await page.getByTestId("no-wallets").waitFor();
    await page.getByRole("button", { name: "Link a wallet" }).and(page.locator(":enabled")).click();
    await page.getByRole("dialog", { name: "Connect a wallet" }).getByRole("button", { name: "Test Wallet" }).click();
    await page.getByTestId("linked-wallet").filter({ hasText: account.address }).waitFor();
    await page
      .getByTestId("header-wallet")
      .filter({ hasText: short(account.address) })
      .waitFor();

    // Another browser, the same wallet: "Sign in with Ethereum" reaches Grace's account.
    const other = await pageWithWallet(account);
    await signInWithWallet(other);
    await other.waitForURL(url("/dashboard"));
    await expect(other.getByTestId("header-user").textContent()).resolves.toBe("Grace Hopper");

    page.once("dialog", (confirm) => void confirm.accept());
    await page.getByTestId("linked-wallet").getByRole("button", { name: "Unlink" }).click();
    await page.getByTestId("no-wallets").waitFor();
    await page.reload();
    await page.getByTestId("no-wallets").waitFor();
    await expect(page.getByTestId("header-wallet").count()).resolves.toBe(0);
  });

  it("does not load the wallet code on pages that do not use it", async () => {
    const page = await pageWithWallet();
    const scripts: string[] = [];
    page.on("response", async (response) => {
      if (response.request().resourceType() === "script") scripts.push(await response.text().catch(() => ""));
    });
    await page.goto(url("/"));
    await page.waitForLoadState("networkidle");
    expect(scripts.length).toBeGreaterThan(0);
    expect(scripts.some((body) => body.includes("eip6963:requestProvider"))).toBe(false);

    await page.goto(url("/login"));
    await page.getByRole("button", { name: "Sign in with Ethereum" }).and(page.locator(":enabled")).waitFor();
    expect(scripts.some((body) => body.includes("eip6963:requestProvider"))).toBe(true);
  });
});
